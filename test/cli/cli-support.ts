// Runs `node bin/edgebroker.js ...` as a child process and collects what a user would see.
import { spawn } from "node:child_process";
import { join } from "node:path";

export const ROOT = new URL("../../", import.meta.url).pathname;
const BIN = join(ROOT, "bin", "edgebroker.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Written to stdin, which is then closed (stdin is closed at once when absent). */
  input?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/**
 * The environment every run starts from: no ambient broker settings of the developer's shell,
 * no colors, and a dev-state directory that does not exist (so no admin token is picked up from
 * a local `npm run dev`).
 */
function baseEnv(extra: CliOptions["env"]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", EDGEBROKER_DEV_STATE: join(ROOT, "test", "cli", "no-such-state") };
  for (const name of ["EDGEBROKER_URL", "EDGEBROKER_TOKEN", "EDGEBROKER_DEBUG", "FORCE_COLOR"]) delete env[name];
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: baseEnv(options.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** A CLI bound to one broker: --url and --token filled in. */
export function cliFor(url: string, token: string) {
  return (args: string[], options: CliOptions = {}) => runCli(["--url", url, "--token", token, ...args], options);
}

/** stdout as JSON lines. */
export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export interface RunningCli {
  stdout(): string;
  stderr(): string;
  signal(name: NodeJS.Signals): void;
  exited: Promise<CliResult>;
}

/** A CLI process left running (consume --follow, serve) for the test to signal. */
export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: baseEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { stdout: () => stdout, stderr: () => stderr, signal: (name) => child.kill(name), exited };
}

/** Waits until `check` holds, asking every 100 ms (a readiness wait, not a timing assertion). */
export async function until(check: () => boolean | Promise<boolean>, what: string, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
