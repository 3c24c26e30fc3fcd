// The hosts the contract suite runs against, each reduced to a base URL and an admin token:
//   workerd — the Worker exactly as `wrangler deploy` bundles it, in Miniflare (bench/lib/servers.ts)
//   node, bun, deno — the standalone server as a child process (src/runtime/serve-*.ts), on a
//                     fresh data directory, started the way its npm script starts it.
// A standalone server can be SIGKILLed and started again on the same data directory (crash test).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_TOKEN, startBroker } from "../../bench/lib/servers.ts";

export interface Target {
  name: string;
  url: string;
  token: string;
  /** The directory holding the objects' storage files, when the host is local (tests count files). */
  storageDir?: string;
  stop(): Promise<void>;
}

export type Runtime = "node" | "bun" | "deno";

/**
 * Settings every contract host gets: open tails ask an API key's object again before every push
 * (the default is at most every 30 s), so a revocation test needs no waiting.
 */
export const CONTRACT_ENV: Record<string, string> = {
  EDGEBROKER_CREDENTIAL_CHECK_MS: "1",
  // Metrics reach the metrics object within 100 ms (test/support/metrics-scenario.ts waits for them).
  EDGEBROKER_METRICS_INTERVAL_MS: "100",
};
export const RUNTIMES: Runtime[] = ["node", "bun", "deno"];

const ROOT = new URL("../../", import.meta.url).pathname;
const BIN = join(ROOT, "node_modules", ".bin");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** The command line of `npm run serve:<runtime>` (package.json), with the data directory filled in. */
export function serverCommand(runtime: Runtime, dataDir: string): [string, string[]] {
  switch (runtime) {
    case "node":
      return [process.execPath, ["--disable-warning=ExperimentalWarning", "src/runtime/serve-node.ts"]];
    case "bun":
      return [join(BIN, "bun"), ["src/runtime/serve-bun.ts"]];
    case "deno":
      return [
        join(BIN, "deno"),
        [
          "run",
          "--no-prompt",
          "--allow-env=PORT,HOST,EDGEBROKER_*",
          "--allow-net=127.0.0.1",
          `--allow-read=build/edgebroker.wasm,${dataDir}`,
          `--allow-write=${dataDir}`,
          "src/runtime/serve-deno.ts",
        ],
      ];
  }
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, and wait for the exit (the graceful path). */
  stop(): Promise<number | null>;
  /** SIGKILL, and wait for the exit (the crash path). */
  kill(): Promise<void>;
}

export async function startServer(
  runtime: Runtime,
  options: { dataDir: string; port?: number; token?: string; env?: Record<string, string> },
): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const [command, args] = serverCommand(runtime, options.dataDir);
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(port),
      EDGEBROKER_DATA_DIR: options.dataDir,
      EDGEBROKER_ADMIN_TOKEN: options.token ?? BENCH_TOKEN,
      NO_COLOR: "1",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const server: ServerProcess = {
    url,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${runtime} server exited early (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.kill();
  throw new Error(`${runtime} server did not start within 30 s:\n${output}`);
}

/** A standalone runtime on a fresh data directory, removed again by stop(). */
export async function startRuntime(runtime: Runtime): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), `edgebroker-contract-${runtime}-`));
  const server = await startServer(runtime, { dataDir, env: CONTRACT_ENV });
  return {
    name: runtime,
    url: server.url,
    token: BENCH_TOKEN,
    storageDir: dataDir,
    async stop() {
      const code = await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`${runtime} server exited with ${code} on SIGTERM:\n${server.output()}`);
    },
  };
}

/** The Worker bundle in Miniflare (workerd), as the benchmarks run it. */
export async function startWorkerd(): Promise<Target> {
  const server = await startBroker(CONTRACT_ENV);
  return { name: "workerd", url: server.url, token: BENCH_TOKEN, storageDir: server.stateDir, stop: () => server.dispose() };
}

/** An already running broker anywhere: CONTRACT_URL and CONTRACT_TOKEN. */
export function externalTarget(): Target | undefined {
  const url = process.env.CONTRACT_URL;
  if (!url) return undefined;
  return { name: url, url: url.replace(/\/$/, ""), token: process.env.CONTRACT_TOKEN ?? "", stop: async () => {} };
}
