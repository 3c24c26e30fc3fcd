// Runs one doc example the way a reader would paste it: shell blocks in bash (the examples use
// bash arrays), SDK blocks as an .mjs/.ts file run with node, each in a scratch directory that
// looks like a project with edgebroker installed, against the doc test's broker.
//
// What the reader sets, the runner sets: EDGEBROKER_URL and EDGEBROKER_TOKEN (the variables the
// CLI and the SDK read), and `.wrangler/state/admin-token` in the working directory (where
// `npm run dev` keeps its token). Lines of an example that set EDGEBROKER_URL or EDGEBROKER_TOKEN
// are left out, so the reader's setup steps run as written but keep pointing at this broker. The
// documented default addresses (127.0.0.1:8787 / localhost:8787 for the broker, 127.0.0.1:9092 for
// its Kafka listener) are pointed at this broker's ports.
//
// A shell block fails when a command fails (`set -e -o pipefail`), and when curl gets an HTTP
// error status the example does not show: `# → 409 …` in the block allows a 409.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DocBlock } from "./doc-blocks.ts";
import { ROOT } from "./doc-blocks.ts";

export interface Broker {
  url: string;
  token: string;
  kafka: string;
}

export interface BlockResult {
  ok: boolean;
  /** What went wrong, with the doc line, when !ok. */
  failure?: string;
  stdout: string;
  stderr: string;
}

const HTTP_MARK = "__DOCTEST_HTTP__";
const ERR_MARK = "__DOCTEST_ERR__";

/** A scratch project: node_modules links to the repository's, plus edgebroker itself. */
export function makeSandbox(dir: string, broker: Broker): void {
  const modules = join(dir, "node_modules");
  mkdirSync(join(modules, ".bin"), { recursive: true });
  // One link per package, scopes as real directories: a package manager run here could then only
  // ever remove a link, never reach into the repository's node_modules.
  for (const entry of readdirSync(join(ROOT, "node_modules"))) {
    if (entry.startsWith(".")) continue;
    if (entry.startsWith("@")) {
      mkdirSync(join(modules, entry));
      for (const pkg of readdirSync(join(ROOT, "node_modules", entry))) {
        symlinkSync(join(ROOT, "node_modules", entry, pkg), join(modules, entry, pkg));
      }
    } else {
      symlinkSync(join(ROOT, "node_modules", entry), join(modules, entry));
    }
  }
  for (const bin of readdirSync(join(ROOT, "node_modules", ".bin"))) {
    symlinkSync(join(ROOT, "node_modules", ".bin", bin), join(modules, ".bin", bin));
  }
  symlinkSync(ROOT, join(modules, "edgebroker"));
  symlinkSync(join(ROOT, "bin", "edgebroker.js"), join(modules, ".bin", "edgebroker"));
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "doc-examples", private: true, type: "module" })}\n`);
  mkdirSync(join(dir, ".wrangler", "state"), { recursive: true });
  writeFileSync(join(dir, ".wrangler", "state", "admin-token"), `${broker.token}\n`);
}

/** The example as it runs here: default addresses pointed at this broker, connection settings kept. */
export function adapt(code: string, broker: Broker): string {
  const host = broker.url.replace(/^https?:\/\//, "");
  return code
    .split("\n")
    .map((line) =>
      /^\s*(export\s+)?(EDGEBROKER_(URL|TOKEN)=\S*\s+)*EDGEBROKER_(URL|TOKEN)=\S*\s*(#.*)?$/.test(line)
        ? ": # connection set by the doc test"
        : line,
    )
    .join("\n")
    .replace(/(localhost|127\.0\.0\.1):8787/g, host)
    .replace(/127\.0\.0\.1:9092/g, broker.kafka);
}

/** HTTP statuses the example shows as answers (`→ 409`, `# → 416 …`): those are not failures. */
export function expectedStatuses(code: string): Set<string> {
  return new Set([...code.matchAll(/→\s*(\d{3})\b/g)].map((m) => m[1] as string));
}

// The lines before the example in the script: the offset maps bash's $LINENO back to the doc.
const PRELUDE = [
  "set -e -o pipefail",
  `trap 'echo "${ERR_MARK} $LINENO" >&2' ERR`,
  "__doctest_base=$(compgen -v)",
  '[ -f "$DOCTEST_STATE" ] && source "$DOCTEST_STATE"',
  '__doctest_save() { local v; for v in $(compgen -v); do case "$v" in __doctest_*|BASH*|FUNCNAME|PIPESTATUS|LINENO|RANDOM|SECONDS|_) continue;; esac; grep -qx "$v" <<<"$__doctest_base" || declare -p "$v" 2>/dev/null; done > "$DOCTEST_STATE.new"; mv "$DOCTEST_STATE.new" "$DOCTEST_STATE"; }',
  "trap '__doctest_rc=$?; __doctest_save; exit $__doctest_rc' EXIT",
  // curl reports each answer's status on stderr; a --max-time the example sets ending the
  // transfer (exit 28, e.g. an SSE stream read for 3 s) is the example's normal end.
  `curl() { local __doctest_t=0 __doctest_a; for __doctest_a in "$@"; do case "$__doctest_a" in -m|--max-time) __doctest_t=1;; esac; done; local __doctest_rc=0; command curl -w '%{stderr}${HTTP_MARK} %{http_code} %{method} %{url_effective}\\n' "$@" || __doctest_rc=$?; if [ "$__doctest_rc" = 28 ] && [ "$__doctest_t" = 1 ]; then return 0; fi; return "$__doctest_rc"; }`,
];

export async function runBlock(block: DocBlock, broker: Broker, dir: string, state: string): Promise<BlockResult> {
  const code = adapt(block.code, broker);
  const isShell = block.lang === "sh" || block.lang === "bash";
  let command: string;
  let args: string[];
  if (isShell) {
    const script = join(dir, `example-${block.line}.sh`);
    writeFileSync(script, `${PRELUDE.join("\n")}\n${code}`);
    command = "bash";
    args = [script];
  } else {
    const script = join(dir, `example-${block.line}.${block.lang === "ts" ? "ts" : "mjs"}`);
    writeFileSync(script, code);
    command = process.execPath;
    args = ["--disable-warning=ExperimentalWarning", script];
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    EDGEBROKER_URL: broker.url,
    EDGEBROKER_TOKEN: broker.token,
    DOCTEST_STATE: state,
    NO_COLOR: "1",
  };
  for (const name of ["EDGEBROKER_ADMIN_TOKEN", "EDGEBROKER_DEBUG", "FORCE_COLOR", "EDGEBROKER_DEV_STATE"]) delete env[name];
  const child = spawn(command, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (c, s) => resolve({ code: c, signal: s })),
  );
  const stop = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // already gone
    }
  };
  const limitMs = 90_000;
  let stopped = false;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop("SIGKILL");
  }, limitMs);
  if (block.mode === "until-output") {
    // Wait for output, give the example a moment to print what follows, then Ctrl-C.
    const watch = setInterval(() => {
      if (stdout.trim() !== "" && !stopped) {
        stopped = true;
        setTimeout(() => {
          stop("SIGINT");
          setTimeout(() => stop("SIGKILL"), 10_000).unref();
        }, 2_000);
      }
    }, 100);
    await exited;
    clearInterval(watch);
  }
  const { code: exitCode, signal } = await exited;
  clearTimeout(timer);
  const where = `${block.file}:${block.line}`;
  const errLine = [...stderr.matchAll(new RegExp(`${ERR_MARK} (\\d+)`, "g"))].at(0)?.[1];
  const statuses = [...stderr.matchAll(new RegExp(`${HTTP_MARK} (\\d{3}) (\\S+) (\\S+)`, "g"))];
  const cleanErr = stderr
    .split("\n")
    .filter((l) => !l.startsWith(HTTP_MARK) && !l.startsWith(ERR_MARK))
    .join("\n");
  const result = (failure?: string): BlockResult => ({ ok: failure === undefined, failure, stdout, stderr: cleanErr });
  const allowed = expectedStatuses(block.code);
  for (const [, status, method, url] of statuses) {
    if (Number(status) >= 400 && !allowed.has(status as string)) {
      return result(
        `${where}: ${method} ${url} answered ${status} (the example shows no ${status}; write "# → ${status} …" if it is meant to)`,
      );
    }
  }
  if (timedOut)
    return result(
      `${where}: still running after ${limitMs / 1000} s (mark a block that runs until stopped with <!-- doc-test: until-output -->)`,
    );
  if (block.mode === "until-output") {
    if (!stopped) return result(`${where}: ended (exit ${exitCode ?? signal}) before printing anything`);
    const byCtrlC = signal === "SIGINT" || exitCode === 0 || exitCode === 130;
    return byCtrlC ? result() : result(`${where}: exited ${exitCode ?? signal} after Ctrl-C`);
  }
  if (exitCode !== 0) {
    const docLine = errLine !== undefined && isShell ? block.line + Number(errLine) - PRELUDE.length - 1 : undefined;
    return result(`${docLine !== undefined ? `${block.file}:${docLine}` : where}: exited ${exitCode ?? signal}`);
  }
  return result();
}

export function hasSandbox(dir: string): boolean {
  return existsSync(join(dir, "node_modules", "edgebroker"));
}
