// Compressed batches: what decompression costs on the read path (a JSON catch-up read decodes
// every record: decodeRecords + the JSON record view + JSON.stringify) and on the produce path
// (validation: CRC over the bytes as produced, bounded decompression, the WASM record walk),
// per codec, beside the same batches uncompressed, in one run.
// Run: npm run bench:compression   (Node >= 22.15 for node:zlib's zstd)
//
// Data: ~1 MiB of JSON-ish records (~150 B), 100 records per batch, as producers batch them.
// Compressed with the reference libraries (zlib, libzstd via node:zlib; snappyjs; lz4js).
// MB/s counts uncompressed record bytes (1 MB = 10^6 bytes), median of 5 rounds.
import { gzipSync, zstdCompressSync } from "node:zlib";
import { compress as lz4Compress } from "lz4js";
import { compress as snappyCompress } from "snappyjs";
import { LogCore } from "../src/core/batch/log-core.ts";
import { decompressRecords } from "../src/core/compression/index.ts";
import { validateProduced } from "../src/core/compression/validate.ts";
import { decodeRecords, encodeBatch, type RecordInput } from "../src/core/batch/record-batch.ts";
import { jsonRecord } from "../src/http/log/record-view.ts";
import { wasmBytes } from "../test/core-support/load-log-core.ts";
import { withCompressedRecords } from "../test/core-support/compressed-batch.ts";

const core = await LogCore.instantiate(wasmBytes());
const crc32c = (b: Uint8Array) => core.crc32c(b);
const utf8 = new TextEncoder();

let seed = 7;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const plainBatches: Uint8Array[] = [];
let plainBytes = 0;
let n = 0;
while (plainBytes < 1 << 20) {
  const records: RecordInput[] = [];
  for (let i = 0; i < 100; i++, n++) {
    const value = { id: n, device: `sensor-${Math.floor(rand() * 500)}`, temp: +(15 + rand() * 20).toFixed(2), status: rand() < 0.9 ? "ok" : "warn", ts: 1_717_000_000_000 + n };
    records.push({ key: utf8.encode(`sensor-${n % 500}`), value: utf8.encode(JSON.stringify(value)), headers: [], timestamp: 1_717_000_000_000 + n });
  }
  const b = encodeBatch(records, { crc32c });
  plainBatches.push(b);
  plainBytes += b.length;
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
};
const CODECS: Array<[string, number, (b: Uint8Array) => Uint8Array]> = [
  ["none", 0, (b) => b],
  ["gzip (zlib -6)", 1, (b) => new Uint8Array(gzipSync(b))],
  ["snappy (snappyjs)", 2, (b) => snappyCompress(b)],
  ["lz4 (lz4js frame)", 3, (b) => lz4Compress(b)],
  ["zstd (libzstd -3)", 4, (b) => new Uint8Array(zstdCompressSync(b))],
];
// Re-sealed with the WASM CRC (the test builder's bitwise CRC is slow at this size).
const reseal = (b: Uint8Array) => {
  new DataView(b.buffer, b.byteOffset).setUint32(17, core.crc32c(b.subarray(21)));
  return b;
};

function median(label: string, fn: () => void): number {
  for (let i = 0; i < 3; i++) fn();
  const rates: number[] = [];
  for (let r = 0; r < 5; r++) {
    let iterations = 0;
    const start = performance.now();
    while (performance.now() - start < 200) {
      fn();
      iterations++;
    }
    rates.push(iterations / ((performance.now() - start) / 1000));
  }
  void label;
  return rates.sort((a, b) => a - b)[2]!;
}

const plain = concat(plainBatches);
console.log(`${plainBatches.length} batches, ${n} records, ${plain.length} bytes uncompressed (${(plain.length / n).toFixed(0)} B/record)\n`);
console.log("codec               stored    ratio | decompress MB/s | JSON catch-up  rec/s    MB/s  vs none | validate MB/s  vs none");
let base = { json: 0, validate: 0 };
for (const [name, codec, compress] of CODECS) {
  const batches = plainBatches.map((b) => (codec === 0 ? b : reseal(withCompressedRecords(b, codec, compress(b.subarray(61))))));
  const segment = concat(batches);
  const check = validateProduced(core, segment);
  if (!check.ok) throw new Error(`${name}: ${check.message}`);
  const decompress = codec === 0 ? 0 : median("decompress", () => {
    for (const b of batches) decompressRecords(codec, b.subarray(61));
  });
  const json = median("json", () => {
    JSON.stringify({ records: decodeRecords(segment).map((r) => jsonRecord(r)) });
  });
  const validate = median("validate", () => validateProduced(core, segment));
  if (codec === 0) base = { json, validate };
  const mb = (rate: number) => ((rate * plain.length) / 1e6).toFixed(0);
  console.log(
    `${name.padEnd(18)} ${String(segment.length).padStart(8)} ${(plain.length / segment.length).toFixed(2).padStart(6)}x |`
    + ` ${(codec === 0 ? "-" : mb(decompress)).padStart(15)} |`
    + ` ${(json * n).toFixed(0).padStart(14)} ${mb(json).padStart(7)} ${(json / base.json).toFixed(2).padStart(7)}x |`
    + ` ${mb(validate).padStart(13)} ${(validate / base.validate).toFixed(2).padStart(7)}x`,
  );
}
console.log("\nceiling: the 'none' row, the same read and validation paths with nothing to decompress.");
