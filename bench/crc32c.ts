// CRC-32C throughput: the Wasm core beside pure-JS implementations, same process, same data.
// Run: npm run build:wasm && node bench/crc32c.ts   (Node >= 22.18 strips the types natively)
//
// "wasm" is the raw export over data already in linear memory (what validateBatches pays per
// byte); "LogCore.crc32c" adds the wrapper's copy into Wasm memory, as an end-to-end figure.
import { LogCore } from "../src/core/batch/log-core.ts";
import { wasmBytes } from "../test/core-support/load-log-core.ts";

const POLY = 0x82f63b78;
const T = new Uint32Array(16 * 256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (POLY & -(c & 1));
  T[i] = c;
}
for (let i = 0; i < 256; i++) for (let k = 1; k < 16; k++) T[k * 256 + i] = (T[(k - 1) * 256 + i] >>> 8) ^ T[T[(k - 1) * 256 + i] & 0xff];
const T0 = T.subarray(0, 256);

/** Classic Sarwate byte-at-a-time table CRC. */
function crcByteTable(buf: Uint8Array): number {
  let crc = -1;
  for (let i = 0; i < buf.length; i++) crc = T0[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** One slicing-by-16 step: 16 bytes (four little-endian words, the first already XORed with the CRC). */
function slice16(a: number, b: number, c: number, d: number): number {
  return (
    T[0xf00 | (a & 0xff)] ^
    T[0xe00 | ((a >>> 8) & 0xff)] ^
    T[0xd00 | ((a >>> 16) & 0xff)] ^
    T[0xc00 | (a >>> 24)] ^
    T[0xb00 | (b & 0xff)] ^
    T[0xa00 | ((b >>> 8) & 0xff)] ^
    T[0x900 | ((b >>> 16) & 0xff)] ^
    T[0x800 | (b >>> 24)] ^
    T[0x700 | (c & 0xff)] ^
    T[0x600 | ((c >>> 8) & 0xff)] ^
    T[0x500 | ((c >>> 16) & 0xff)] ^
    T[0x400 | (c >>> 24)] ^
    T[0x300 | (d & 0xff)] ^
    T[0x200 | ((d >>> 8) & 0xff)] ^
    T[0x100 | ((d >>> 16) & 0xff)] ^
    T[d >>> 24]
  );
}

/** Slicing-by-16 reading little-endian 32-bit words through an Int32Array over the same bytes. */
function crcSlicing16(buf: Uint8Array): number {
  let crc = -1;
  let i = 0;
  const n = buf.length;
  while (i < n && ((buf.byteOffset + i) & 3) !== 0) crc = T[(crc ^ buf[i++]) & 0xff] ^ (crc >>> 8);
  const words = new Int32Array(buf.buffer, buf.byteOffset + i, (n - i) >>> 2);
  let w = 0;
  const wEnd = words.length & ~3;
  for (; w < wEnd; w += 4) {
    crc = slice16(words[w] ^ crc, words[w + 1], words[w + 2], words[w + 3]);
  }
  for (i += w * 4; i < n; i++) crc = T[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

// The same two-stream interleaving the Wasm core uses, in JS, joined with zlib's crc32_combine.
// Note: V8 is erratic on this one (1.2-1.7 GB/s here; a standalone .mjs variant without the
// combine step reached ~2.2 GB/s at 64 KiB), so treat its column as indicative only.
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}
const X2N: number[] = [0x40000000];
for (let k = 1; k < 32; k++) X2N.push(multModP(X2N[k - 1], X2N[k - 1]));
function combine(crcA: number, crcB: number, lenB: number): number {
  let p = 0x80000000;
  for (let n = lenB, k = 3; n > 0; n = Math.floor(n / 2), k++) if (n & 1) p = multModP(X2N[k & 31], p);
  return (multModP(p, crcA) ^ crcB) >>> 0;
}
/** Two interleaved slicing-by-16 streams over the halves (requires a 4-byte aligned view). */
function crcTwoStream(buf: Uint8Array): number {
  if ((buf.byteOffset & 3) !== 0 || buf.length < 256) return crcSlicing16(buf);
  const half = (buf.length >>> 1) & ~15;
  const words = new Int32Array(buf.buffer, buf.byteOffset, half >>> 1);
  let c1 = -1;
  let c2 = -1;
  const wEnd = half >>> 2;
  for (let w = 0, v = wEnd; w < wEnd; w += 4, v += 4) {
    c1 = slice16(words[w] ^ c1, words[w + 1], words[w + 2], words[w + 3]);
    c2 = slice16(words[v] ^ c2, words[v + 1], words[v + 2], words[v + 3]);
  }
  let crc = ~combine(~c1 >>> 0, ~c2 >>> 0, half);
  for (let i = 2 * half; i < buf.length; i++) crc = T[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

interface RawExports {
  memory: WebAssembly.Memory;
  reserve(n: number): number;
  crc32c(p: number, n: number): number;
}

/** Runs fn repeatedly for ~targetMs after a warm-up; returns GB/s (1e9 bytes/s). */
function measure(size: number, fn: () => number, targetMs = 400): number {
  let sink = 0;
  for (let i = 0; i < 20; i++) sink ^= fn();
  let iters = Math.max(1, Math.floor((4 << 20) / size));
  let best = 0;
  const deadline = performance.now() + targetMs;
  while (performance.now() < deadline) {
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) sink ^= fn();
    const ms = performance.now() - t0;
    if (ms < 5) {
      iters *= 2;
      continue;
    }
    best = Math.max(best, (size * iters) / (ms * 1e6));
  }
  if (sink === 0.5) console.log(sink); // keep results alive
  return best;
}

const module = new WebAssembly.Module(wasmBytes());
const raw = new WebAssembly.Instance(module, {}).exports as unknown as RawExports;
const core = await LogCore.instantiate(module);

console.log(`CRC-32C throughput, GB/s (best of repeated runs), node ${process.version}`);
console.log("size      byte-table JS  slicing16 JS  2x slicing16 JS  wasm  LogCore.crc32c  wasm/best JS");
for (const size of [1024, 64 * 1024, 1024 * 1024]) {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 2654435761) >>> 24;
  const ptr = raw.reserve(size);
  new Uint8Array(raw.memory.buffer).set(data, ptr);
  const expected = crcByteTable(data);
  if (
    crcSlicing16(data) !== expected ||
    crcTwoStream(data) !== expected ||
    raw.crc32c(ptr, size) >>> 0 !== expected ||
    core.crc32c(data) !== expected
  ) {
    throw new Error(`implementations disagree at ${size} bytes`);
  }
  const byteTable = measure(size, () => crcByteTable(data));
  const slicing = measure(size, () => crcSlicing16(data));
  const twoStream = measure(size, () => crcTwoStream(data));
  const wasm = measure(size, () => raw.crc32c(ptr, size));
  const wrapped = measure(size, () => core.crc32c(data));
  const label = size >= 1 << 20 ? `${size >> 20} MiB` : `${size >> 10} KiB`;
  console.log(
    [
      `${label.padEnd(9)} ${byteTable.toFixed(2).padStart(13)}`,
      slicing.toFixed(2).padStart(12),
      twoStream.toFixed(2).padStart(15),
      wasm.toFixed(2).padStart(4),
      wrapped.toFixed(2).padStart(14),
      `${(wasm / Math.max(byteTable, slicing, twoStream)).toFixed(2).padStart(11)}x`,
    ].join("  "),
  );
}
