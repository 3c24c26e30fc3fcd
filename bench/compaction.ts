// Log compaction throughput: LogCore.scanRecords and LogCore.rewriteSegment on a ~1 MiB segment
// of ~100-byte records (100 records per batch, 1,000 distinct keys, a few tombstones).
// Run: npm run build:wasm && node bench/compaction.ts   (Node >= 22.18 strips the types natively)
//
// Figures are end to end through the wrapper (copy into Wasm memory, the call, copying the result
// out), in MB/s of input segment (1 MB = 10^6 bytes), median of several timed rounds.
import { LogCore, KEY_HASH_SIZE, RECORD_NULL_KEY } from "../src/core/batch/log-core.ts";
import { encodeBatch, type RecordInput } from "../src/core/batch/record-batch.ts";
import { wasmBytes } from "../test/core-support/load-log-core.ts";

const core = await LogCore.instantiate(wasmBytes());
const crc32c = (b: Uint8Array) => core.crc32c(b);

const TARGET = 1 << 20;
const PER_BATCH = 100;
const KEYS = 1000;
const T0 = 1_717_171_717_000;

let seed = 42;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;

// Key "key-000123" (10 bytes) and an 82-byte value: with the record framing (length, attributes,
// timestamp and offset deltas, lengths, header count) each record is ~100 bytes.
const value = new Uint8Array(82).fill(0x61);
const parts: Uint8Array[] = [];
let size = 0;
while (size < TARGET) {
  const records: RecordInput[] = [];
  for (let i = 0; i < PER_BATCH; i++) {
    const key = new TextEncoder().encode(`key-${String(Math.floor(rand() * KEYS)).padStart(6, "0")}`);
    records.push({ key, value: rand() < 0.02 ? null : value, headers: [], timestamp: T0 + Math.floor(rand() * 10_000) });
  }
  const batch = encodeBatch(records, { crc32c });
  parts.push(batch);
  size += batch.length;
}
const segment = new Uint8Array(size);
let at = 0;
for (const p of parts) {
  segment.set(p, at);
  at += p.length;
}
core.patchBaseOffsets(segment, 1_000_000);

const scan = core.scanRecords(segment);
const n = scan.count;

// Keep masks: all, none, a random half, and what compaction keeps (the latest record per key).
const all = new Uint8Array(n).fill(1);
const none = new Uint8Array(n);
const half = Uint8Array.from({ length: n }, () => (rand() < 0.5 ? 1 : 0));
function latestPerKey(s: typeof scan): Uint8Array {
  const keep = new Uint8Array(s.count);
  const seen = new Set<string>();
  // The 16-byte hash as an 8-code-unit string (any UTF-16 units are fine as a Map key): far
  // cheaper than hex, and exact, unlike folding the hash into a 53-bit number.
  const units = new Uint16Array(s.keyHashes.buffer, s.keyHashes.byteOffset, s.keyHashes.length / 2);
  const W = KEY_HASH_SIZE / 2;
  for (let i = s.count - 1; i >= 0; i--) {
    if (s.flags[i] & RECORD_NULL_KEY) {
      keep[i] = 1;
      continue;
    }
    const u = i * W;
    const h = String.fromCharCode(
      units[u],
      units[u + 1],
      units[u + 2],
      units[u + 3],
      units[u + 4],
      units[u + 5],
      units[u + 6],
      units[u + 7],
    );
    if (!seen.has(h)) {
      keep[i] = 1;
      seen.add(h);
    }
  }
  return keep;
}
const latest = latestPerKey(scan);

function mbps(label: string, fn: () => unknown): void {
  for (let i = 0; i < 20; i++) fn(); // warm up (JIT, Wasm tier-up, memory growth)
  const rounds: number[] = [];
  for (let r = 0; r < 7; r++) {
    let iterations = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < 150) {
      fn();
      iterations++;
      elapsed = performance.now() - start;
    }
    rounds.push((segment.length * iterations) / (elapsed / 1000) / 1e6);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${label.padEnd(44)} ${rounds[3].toFixed(0).padStart(6)} MB/s`);
}

const kept = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);
console.log(
  `segment: ${segment.length} bytes, ${parts.length} batches, ${n} records (${(segment.length / n).toFixed(1)} B/record), ${KEYS} keys`,
);
console.log(`latest-per-key keeps ${kept(latest)} records, ${core.rewriteSegment(segment, latest).length} bytes\n`);
mbps("scanRecords", () => core.scanRecords(segment));
mbps("rewriteSegment keep all (batches copied)", () => core.rewriteSegment(segment, all));
mbps("rewriteSegment keep random half", () => core.rewriteSegment(segment, half));
mbps(`rewriteSegment latest per key (${((100 * kept(latest)) / n).toFixed(0)}% kept)`, () => core.rewriteSegment(segment, latest));
mbps("rewriteSegment keep none", () => core.rewriteSegment(segment, none));
mbps("full pass: scan + JS latest-per-key + rewrite", () => core.rewriteSegment(segment, latestPerKey(core.scanRecords(segment))));
// The ceiling from the same module in the same run: CRC-32C over the same bytes (every scan and
// rewrite also checks each batch's CRC, so compaction cannot beat this).
mbps("ceiling: LogCore.crc32c over the segment", () => core.crc32c(segment));
