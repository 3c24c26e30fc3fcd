// `node bench/poll-render.ts`: the CPU cost of turning a group poll's reads (10,000 records of
// 100-byte values, from one partition or shared by four) into its JSON or MessagePack answer, in
// this process: the object path the poll route took (decodePage → jsonRecord / msgpackRecord with
// topic and partition → JSON.stringify + UTF-8 encode / @msgpack/msgpack encode), the route now
// (src/http/groups/poll-page.ts: readPage at read time, renderPoll after the advance, the common
// records rendered by the WebAssembly core), and beside them the fetch route's page of the same
// 10,000 records (walkRecords + WasmPageRenderer) as the ceiling. CPU time (process.cpuUsage),
// median of 7 rounds of 20 answers, as bench/fetch-render.ts.
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { encode } from "@msgpack/msgpack";
import { LogCore } from "../src/core/batch/log-core.ts";
import { decodePage, encodeBatch } from "../src/core/batch/record-batch.ts";
import type { Fetched } from "../src/http/groups/fetch.ts";
import { shareBudget } from "../src/http/groups/fetch.ts";
import { type PollSlice, readPage, renderPoll } from "../src/http/groups/poll-page.ts";
import { JsonPageWriter } from "../src/http/log/fetch-body.ts";
import { WasmPageRenderer } from "../src/http/log/fetch-page-wasm.ts";
import { walkRecords } from "../src/http/log/fetch-records.ts";
import { MsgpackPageWriter } from "../src/http/log/msgpack-page.ts";
import { jsonRecord, msgpackRecord } from "../src/http/log/record-view.ts";

const core = await LogCore.instantiate(readFileSync(new URL("../build/edgebroker.wasm", import.meta.url)));
const utf8 = new TextEncoder();
const meta = { next_offset: 0, high_watermark: 0, log_start_offset: 0 };
const head = {
  member_id: "m-5f2c1a9e",
  member_epoch: 4,
  group_epoch: 9,
  assignment: [{ topic: "orders", partitions: [0, 1, 2, 3] }],
  pending: [],
  session_timeout_ms: 45_000,
};
const MAX = 10_000;

/** `n` records in batches of 1,000 from offset 0. */
function stored(value: Uint8Array, n: number): Uint8Array {
  const now = Date.now();
  const parts: Uint8Array[] = [];
  for (let base = 0; base < n; base += 1000) {
    const batch = encodeBatch(
      Array.from({ length: Math.min(1000, n - base) }, (_, i) => ({ key: null, value, headers: [], timestamp: now + base + i })),
      { crc32c: (b) => core.crc32c(b) },
    );
    new DataView(batch.buffer, batch.byteOffset).setBigInt64(0, BigInt(base));
    parts.push(batch);
  }
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function cpuMs(f: () => unknown): number {
  for (let i = 0; i < 10; i++) f();
  const rounds: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t = process.cpuUsage();
    for (let i = 0; i < 20; i++) f();
    const u = process.cpuUsage(t);
    rounds.push((u.user + u.system) / 1000 / 20);
  }
  return rounds.sort((a, b) => a - b)[3]!;
}

const share = (counts: number[]) =>
  shareBudget(
    counts.map((n) => ({ page: { count: n } }) as unknown as Fetched),
    MAX,
  );

function objectPath(kind: "json" | "msgpack", partitions: Uint8Array[]): Uint8Array {
  const read = partitions.map((b) => decodePage(b, 0, MAX).records);
  const counts = share(read.map((r) => r.length));
  const render = kind === "json" ? jsonRecord : msgpackRecord;
  const records = read.flatMap((r, p) => r.slice(0, counts[p]).map((x) => render(x, { topic: "orders", partition: p })));
  const answer = { ...head, records };
  return kind === "json" ? utf8.encode(JSON.stringify(answer)) : encode(answer, { ignoreUndefined: true });
}

function bytePath(kind: "json" | "msgpack", partitions: Uint8Array[]): Uint8Array {
  const read = partitions.map((b) => readPage(b, 0, MAX).page);
  const counts = share(read.map((r) => r.count));
  const slices: PollSlice[] = read.map((page, p) => ({ topic: "orders", partition: p, page, count: counts[p]! }));
  return renderPoll(kind, core, head, slices, {});
}

function fetchPage(kind: "json" | "msgpack", bytes: Uint8Array): Uint8Array {
  const w = kind === "json" ? new JsonPageWriter(bytes.length) : new MsgpackPageWriter(bytes.length);
  walkRecords(bytes, 0, MAX, w, undefined, new WasmPageRenderer(core, w));
  return w.finish(meta);
}

const lines = ["| 10,000 records of 100 B | ms CPU per answer | vs fetch page | vs object path |", "| --- | ---: | ---: | ---: |"];
for (const [name, value] of [
  ["opaque values", utf8.encode("x".repeat(100))],
  ["JSON values", utf8.encode(JSON.stringify("x".repeat(98)))],
] as const) {
  const one = [stored(value, MAX)];
  const four = Array.from({ length: 4 }, () => stored(value, MAX)); // each read holds 10,000; the budget takes 2,500 of each
  for (const kind of ["json", "msgpack"] as const) {
    const format = kind === "json" ? "JSON" : "MessagePack";
    const ceiling = cpuMs(() => fetchPage(kind, one[0]!));
    const row = (label: string, t: number, old?: number) =>
      `| ${format}, ${name}: ${label} | ${t.toFixed(2)} | ${(ceiling / t).toFixed(2)} | ${old === undefined ? "" : `${(old / t).toFixed(2)}×`} |`;
    lines.push(row("fetch page (walk + WebAssembly)", ceiling));
    for (const [parts, label] of [
      [one, "1 partition"],
      [four, "4 partitions × 2,500"],
    ] as const) {
      const tOld = cpuMs(() => objectPath(kind, [...parts]));
      const tNew = cpuMs(() => bytePath(kind, [...parts]));
      lines.push(row(`poll, ${label}: object path (before)`, tOld), row(`poll, ${label}: poll-page.ts (now)`, tNew, tOld));
    }
  }
}
console.log(
  `Measured ${new Date().toISOString()}, ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}.\n\n${lines.join("\n")}`,
);
