// `edgebroker dev` and `edgebroker serve`: start a broker in the foreground. `dev` is exactly
// `npm run dev` (wrangler dev on workerd, state and admin token under .wrangler/state; needs the
// repository and its devDependencies); `serve` is the standalone server on Node, Bun or Deno,
// compiled to dist/runtime/serve-*.js by `npm run build` (so it runs from an installed package on
// runtimes that cannot run .ts files), configured through the same environment variables as
// `npm run serve:<runtime>`.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, resolve } from "node:path";
import type { Command } from "commander";
import { integer, oneOf } from "../context.ts";
import { EXIT } from "../exit-codes.ts";
import { PACKAGE_ROOT } from "../package-root.ts";

const RUNTIMES = ["node", "bun", "deno"] as const;
type Runtime = (typeof RUNTIMES)[number];

/** Runs a child with our terminal, forwarding Ctrl-C/SIGTERM so the broker shuts down gracefully. */
function foreground(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { ...options, stdio: "inherit" });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.once("error", fail);
    child.once("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      done(code ?? (signal === "SIGINT" ? 130 : 1));
    });
  });
}

/** The package's own copy of bun / deno (devDependencies in the repository), else the one on PATH. */
function bin(name: string): string {
  const local = resolve(PACKAGE_ROOT, "node_modules", ".bin", name);
  return existsSync(local) ? local : name;
}

function serverCommand(runtime: Runtime, dataDir: string, host: string): [string, string[]] {
  const script = (name: string) => resolve(PACKAGE_ROOT, "dist", "runtime", name);
  switch (runtime) {
    case "node":
      return [process.execPath, ["--disable-warning=ExperimentalWarning", script("serve-node.js")]];
    case "bun":
      return [bin("bun"), [script("serve-bun.js")]];
    case "deno":
      // The narrowest permissions that work (see serve-deno.ts).
      return [
        bin("deno"),
        [
          "run",
          "--no-prompt",
          "--allow-env=PORT,HOST,EDGEBROKER_*",
          `--allow-net=${host}`,
          `--allow-read=${resolve(PACKAGE_ROOT, "build", "edgebroker.wasm")},${resolve(PACKAGE_ROOT, "build", "console")},${dataDir}`,
          `--allow-write=${dataDir}`,
          script("serve-deno.js"),
        ],
      ];
  }
}

export function registerDevServe(program: Command): void {
  program
    .command("dev")
    .description("run the local development broker (wrangler dev on workerd, the same as `npm run dev`)")
    .option("--port <port>", "port to listen on (env PORT)", integer(0, 65_535))
    .addHelpText(
      "after",
      "\nState is kept in .wrangler/state of the package; the admin token is printed at start and\nkept in .wrangler/state/admin-token, which the other commands use for a local broker.",
    )
    .action(async (opts: { port?: number }) => {
      if (!existsSync(resolve(PACKAGE_ROOT, "scripts", "dev.ts"))) {
        console.error(
          "edgebroker dev runs wrangler from the edgebroker repository (git clone, npm install); use `edgebroker serve` from an installed package",
        );
        process.exitCode = EXIT.failed;
        return;
      }
      // `npm run dev` is `npm run build:wasm && node scripts/dev.ts`. The second step runs
      // directly (not under npm and a shell) so that Ctrl-C or a SIGTERM sent to this process
      // reaches scripts/dev.ts, which stops wrangler.
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${resolve(PACKAGE_ROOT, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`,
      };
      if (opts.port !== undefined) env.PORT = String(opts.port);
      const npm = process.platform === "win32" ? "npm.cmd" : "npm";
      const built = await foreground(npm, ["run", "--silent", "build:wasm"], { cwd: PACKAGE_ROOT, env });
      process.exitCode =
        built !== 0 ? built : await foreground(process.execPath, [resolve(PACKAGE_ROOT, "scripts", "dev.ts")], { cwd: PACKAGE_ROOT, env });
    });

  program
    .command("serve")
    .description("run the standalone broker (SQLite on disk) on Node, Bun or Deno")
    .option("--runtime <runtime>", "node, bun or deno", oneOf(RUNTIMES), "node")
    .option("--port <port>", "port to listen on (env PORT, default 8787)", integer(0, 65_535))
    .option("--host <host>", "address to listen on (env HOST, default 0.0.0.0)")
    .option("--data-dir <dir>", "where the logs are kept (env EDGEBROKER_DATA_DIR, default ./data)")
    .addHelpText(
      "after",
      "\nThe admin token comes from EDGEBROKER_ADMIN_TOKEN (required), e.g.\n" +
        "  EDGEBROKER_ADMIN_TOKEN=$(openssl rand -hex 24) edgebroker serve --port 8787 --data-dir ./data\n" +
        "Other settings: EDGEBROKER_MAX_*, EDGEBROKER_IDLE_MS, EDGEBROKER_SHUTDOWN_GRACE_MS (docs/standalone.md).",
    )
    .action(async (opts: { runtime: Runtime; port?: number; host?: string; dataDir?: string }) => {
      const dataDir = resolve(opts.dataDir ?? process.env.EDGEBROKER_DATA_DIR ?? "./data");
      const host = opts.host ?? process.env.HOST ?? "0.0.0.0";
      const env: NodeJS.ProcessEnv = { ...process.env, EDGEBROKER_DATA_DIR: dataDir, HOST: host };
      if (opts.port !== undefined) env.PORT = String(opts.port);
      const [command, args] = serverCommand(opts.runtime, dataDir, host);
      process.exitCode = await foreground(command, args, { cwd: process.cwd(), env });
    });
}
