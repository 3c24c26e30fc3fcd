// What the Kafka tests share: a standalone host with its Kafka listener, kcat and kafkajs
// pointed at it with SASL/PLAIN, and the kafka-proxy bridge as a real CLI process.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel, type SASLOptions } from "kafkajs";
import { BENCH_TOKEN } from "../../bench/lib/servers.ts";
import { freePort, startServer, type Runtime } from "../contract/hosts-support.ts";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const ADMIN = { user: "admin", password: BENCH_TOKEN };

export interface KafkaHost {
  http: string;
  token: string;
  bootstrap: string;
  output(): string;
  stop(): Promise<void>;
}

/** A standalone server on `runtime` with EDGEBROKER_KAFKA_PORT set, on a fresh data directory. */
export async function startKafkaHost(runtime: Runtime, env: Record<string, string> = {}): Promise<KafkaHost> {
  const dataDir = mkdtempSync(join(tmpdir(), `edgebroker-kafka-${runtime}-`));
  const port = await freePort();
  const server = await startServer(runtime, { dataDir, env: { EDGEBROKER_KAFKA_PORT: String(port), ...env } });
  return {
    http: server.url,
    token: BENCH_TOKEN,
    bootstrap: `127.0.0.1:${port}`,
    output: server.output,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Run { code: number | null; stdout: Buffer; stderr: string }

export function run(command: string, args: string[], input?: Uint8Array | string, timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
    child.stdin.end(input ?? "");
  });
}

/** kcat with SASL/PLAIN against `bootstrap`. */
export function kcat(bootstrap: string, args: string[], opts: { input?: Uint8Array | string; user?: string; password?: string } = {}): Promise<Run> {
  return run("kcat", [
    "-b", bootstrap,
    "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanism=PLAIN",
    "-X", `sasl.username=${opts.user ?? ADMIN.user}`, "-X", `sasl.password=${opts.password ?? ADMIN.password}`,
    ...args,
  ], opts.input);
}

export function kafkajs(bootstrap: string, sasl: { user: string; password: string } = ADMIN): Kafka {
  const auth: SASLOptions = { mechanism: "plain", username: sasl.user, password: sasl.password };
  return new Kafka({ clientId: "edgebroker-test", brokers: [bootstrap], sasl: auth, logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 } });
}

export async function http(base: string, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const isBytes = body instanceof Uint8Array;
  return fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": isBytes ? "application/vnd.kafka.record-batch" : "application/json" }), ...headers },
    body: body === undefined ? undefined : isBytes ? (body as Uint8Array<ArrayBuffer>) : JSON.stringify(body),
  });
}

export interface Proxy { bootstrap: string; child: ChildProcess; stop(): Promise<void> }

/** `edgebroker kafka-proxy` (the compiled CLI, bin/edgebroker.js) bridging a local port to `url`. */
export async function startProxy(url: string): Promise<Proxy> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, "bin", "edgebroker.js"), "kafka-proxy", "--listen", `127.0.0.1:${port}`, "--url", url], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kafka-proxy did not start:\n${output}`)), 20_000);
    const seen = (d: Buffer) => {
      output += d;
      if (output.includes("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", seen);
    child.stderr!.on("data", seen);
    child.once("exit", (code) => reject(new Error(`kafka-proxy exited (${code}):\n${output}`)));
  });
  return {
    bootstrap: `127.0.0.1:${port}`,
    child,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    }),
  };
}
