// `node bench/fetch-render.ts`: the CPU cost of turning one fetch page of stored batches (10,000
// records of 100-byte values) into a JSON or MessagePack answer, in this process: the page
// writers walking the batch bytes (src/http/log/fetch-records.ts, what the route does now), the
// same writers fed decoded records (decodeRecords, the previous route), and the object path
// before both (jsonRecord / msgpackRecord objects, then JSON.stringify + UTF-8 encode /
// @msgpack/msgpack encode), beside the binary answer's own work (a copy of the stored bytes) as
// the ceiling; and the route's path now, the common records rendered by the WebAssembly core
// (src/http/log/fetch-page-wasm.ts, assembly/page.ts). CPU time (process.cpuUsage), median of 7 rounds of 20 pages: steadier than wall
// time on a busy machine.
import { readFileSync } from "node:fs";
import { encode } from "@msgpack/msgpack";
import { LogCore } from "../src/core/batch/log-core.ts";
import { decodeRecords, encodeBatch } from "../src/core/batch/record-batch.ts";
import { JsonPageWriter } from "../src/http/log/fetch-body.ts";
import { WasmPageRenderer } from "../src/http/log/fetch-page-wasm.ts";
import { walkRecords } from "../src/http/log/fetch-records.ts";
import { MsgpackPageWriter } from "../src/http/log/msgpack-page.ts";
import { jsonRecord, msgpackRecord } from "../src/http/log/record-view.ts";

const core = await LogCore.instantiate(readFileSync(new URL("../build/edgebroker.wasm", import.meta.url)));
const utf8 = new TextEncoder();
const meta = { next_offset: 0, high_watermark: 0, log_start_offset: 0 };

function page(value: Uint8Array): Uint8Array {
  const now = Date.now();
  const one = encodeBatch(
    Array.from({ length: 1000 }, (_, i) => ({ key: null, value, headers: [], timestamp: now + i })),
    { crc32c: (b) => core.crc32c(b) },
  );
  const bytes = new Uint8Array(one.length * 10);
  for (let k = 0; k < 10; k++) bytes.set(one, k * one.length);
  return bytes;
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

const pages = { "opaque values": page(utf8.encode("x".repeat(100))), "JSON values": page(utf8.encode(JSON.stringify("x".repeat(98)))) };
const lines = ["| page of 10,000 records | ms CPU per page | vs binary (copy) | vs object path |", "| --- | ---: | ---: | ---: |"];
for (const [name, bytes] of Object.entries(pages)) {
  const copy = cpuMs(() => bytes.slice());
  type Writer = JsonPageWriter | MsgpackPageWriter;
  const cases: Array<[string, () => Writer, () => unknown]> = [
    [
      "JSON",
      () => new JsonPageWriter(bytes.length),
      () => utf8.encode(JSON.stringify({ records: decodeRecords(bytes).map((r) => jsonRecord(r)), ...meta })),
    ],
    [
      "MessagePack",
      () => new MsgpackPageWriter(bytes.length),
      () => encode({ records: decodeRecords(bytes).map((r) => msgpackRecord(r)), ...meta }, { ignoreUndefined: true }),
    ],
  ];
  lines.push(`| binary (copy of the stored bytes), ${name} | ${copy.toFixed(2)} | 1.00 | |`);
  for (const [format, writer, old] of cases) {
    const tOld = cpuMs(old);
    const tDecoded = cpuMs(() => {
      const w = writer();
      for (const r of decodeRecords(bytes)) w.add(r);
      return w.finish(meta);
    });
    const tWalk = cpuMs(() => {
      const w = writer();
      walkRecords(bytes, 0, 10_000, w);
      return w.finish(meta);
    });
    const tWasm = cpuMs(() => {
      const w = writer();
      walkRecords(bytes, 0, 10_000, w, undefined, new WasmPageRenderer(core, w));
      return w.finish(meta);
    });
    const row = (label: string, t: number) =>
      `| ${format}, ${name}: ${label} | ${t.toFixed(2)} | ${(copy / t).toFixed(2)} | ${(tOld / t).toFixed(2)}× |`;
    lines.push(
      row("object path", tOld),
      row("byte writer over decoded records", tDecoded),
      row("byte writer over the batch walk", tWalk),
      row("WebAssembly page renderer (now)", tWasm),
    );
  }
}
console.log(`Measured ${new Date().toISOString()}, ${process.version}.\n\n${lines.join("\n")}`);
