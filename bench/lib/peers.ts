// The peer brokers of `npm run bench:peers`, each on its own temporary data directory and a free
// loopback port, driven by its own JS client from npm:
//   Redis Streams  — redis-server with `appendonly yes` + `appendfsync always` (an fsync of the
//                    AOF before replies leave, per event-loop pass, so a pipeline shares one),
//                    client `redis` (node-redis).
//   NATS JetStream — nats-server -js with a file-storage stream, client `nats` (nats.js).
// The Debian packages `redis-server` and `nats-server` provide the binaries; a missing one makes
// `startRedis`/`startNats` return undefined so the bench can skip that peer with a message.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../test/contract/hosts-support.ts";

export interface Peer {
  name: string;
  version: string;
  durability: string;
  /** Appends `records` values of the producer's batch in one round trip (pipelined). */
  produceBatch(client: number, key: string, values: Uint8Array[]): Promise<void>;
  produceOne(client: number, key: string, value: Uint8Array): Promise<void>;
  /** Reads the whole stream `key` from its start, `chunk` records per round trip; returns the count. */
  readAll(key: string, chunk: number): Promise<number>;
  /** Creates the stream `key` (JetStream needs one per key; Redis creates on first XADD). */
  prepare(key: string): Promise<void>;
  stop(): Promise<void>;
}

export const CLIENTS = 4;

function which(binary: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${binary}`]).status === 0;
}

function versionOf(binary: string, flag: string): string {
  return spawnSync(binary, [flag], { encoding: "utf8" }).stdout.trim();
}

async function waitFor(probe: () => Promise<unknown>, child: ChildProcess, name: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited early (${child.exitCode}):\n${output()}`);
    try {
      await probe();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill("SIGKILL");
  throw new Error(`${name} did not start within 15 s:\n${output()}`);
}

function launch(binary: string, args: string[]): { child: ChildProcess; output: () => string; stop: () => Promise<void> } {
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

export async function startRedis(): Promise<Peer | undefined> {
  if (!which("redis-server")) return undefined;
  const { createClient } = await import("redis");
  const dir = mkdtempSync(join(tmpdir(), "edgebroker-peer-redis-"));
  const port = await freePort();
  const proc = launch("redis-server", [
    "--bind",
    "127.0.0.1",
    "--port",
    String(port),
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    "yes",
    "--appendfsync",
    "always",
    "--protected-mode",
    "yes",
  ]);
  const url = `redis://127.0.0.1:${port}`;
  const probe = createClient({ url });
  await waitFor(() => probe.connect(), proc.child, "redis-server", proc.output);
  await probe.quit();
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => createClient({ url }).connect()));
  const asBuffer = (v: Uint8Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return {
    name: "Redis Streams",
    version:
      versionOf("redis-server", "--version")
        .split(" ")
        .find((w) => w.startsWith("v="))
        ?.slice(2) ?? "?",
    durability: "appendonly yes, appendfsync always (AOF fsync before replies, one per event-loop pass)",
    async prepare() {},
    async produceBatch(client, key, values) {
      const multi = clients[client % CLIENTS]!.multi();
      for (const v of values) multi.xAdd(key, "*", { v: asBuffer(v) });
      await multi.execAsPipeline();
    },
    async produceOne(client, key, value) {
      await clients[client % CLIENTS]!.xAdd(key, "*", { v: asBuffer(value) });
    },
    async readAll(key, chunk) {
      let start = "-";
      let count = 0;
      for (;;) {
        const entries = (await clients[0]!.xRange(key, start, "+", { COUNT: chunk })) ?? [];
        count += entries.length;
        if (entries.length < chunk) return count;
        start = `(${entries[entries.length - 1]!.id}`;
      }
    },
    async stop() {
      await Promise.all(clients.map((c) => c.quit()));
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startNats(): Promise<Peer | undefined> {
  if (!which("nats-server")) return undefined;
  const nats = await import("nats");
  const dir = mkdtempSync(join(tmpdir(), "edgebroker-peer-nats-"));
  const port = await freePort();
  // nats-server 2.9 has no per-message fsync setting (`sync_interval`, with `always`, came in
  // 2.10): each stored message is written to the block file (page cache) before the ack, and
  // blocks are fsynced by a periodic background sync.
  const proc = launch("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir]);
  const servers = `127.0.0.1:${port}`;
  await waitFor(async () => (await nats.connect({ servers })).close(), proc.child, "nats-server", proc.output);
  const conns = await Promise.all(Array.from({ length: CLIENTS }, () => nats.connect({ servers })));
  const jsm = await conns[0]!.jetstreamManager();
  const js = conns.map((c) => c.jetstream());
  const subject = (key: string) => `bench.${key}`;
  return {
    name: "NATS JetStream",
    version: versionOf("nats-server", "--version").replace(/^nats-server: /, ""),
    durability:
      "file storage, 1 replica; 2.9 has no per-message fsync setting: writes reach the page cache before the ack, fsync is periodic",
    async prepare(key) {
      await jsm.streams.add({ name: key, subjects: [subject(key)], storage: nats.StorageType.File, num_replicas: 1 });
    },
    async produceBatch(client, key, values) {
      // No batch publish in JetStream 2.9: the batch is published asynchronously, acks awaited together.
      const j = js[client % CLIENTS]!;
      await Promise.all(values.map((v) => j.publish(subject(key), v)));
    },
    async produceOne(client, key, value) {
      await js[client % CLIENTS]!.publish(subject(key), value);
    },
    async readAll(key, chunk) {
      const total = (await jsm.streams.info(key)).state.messages;
      const consumer = await js[0]!.consumers.get(key); // an ordered consumer from the first message
      let count = 0;
      const messages = await consumer.consume({ max_messages: chunk });
      for await (const m of messages) {
        if (m.data.length >= 0) count++;
        if (count >= total) break;
      }
      await messages.close();
      return count;
    },
    async stop() {
      await Promise.all(conns.map((c) => c.close()));
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
