// Test-only MurmurHash3_x64_128 in BigInt arithmetic, written from the SMHasher reference
// (MurmurHash3.cpp) independently of assembly/murmur3.ts: slow, obviously correct, and checked
// against published vectors in the compaction tests before it is trusted as a reference.

const M64 = (1n << 64n) - 1n;
const C1 = 0x87c37b91114253d5n;
const C2 = 0x4cf5ad432745937fn;

const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M64;
const mul = (a: bigint, b: bigint) => (a * b) & M64;
const add = (a: bigint, b: bigint) => (a + b) & M64;

function fmix(k: bigint): bigint {
  k ^= k >> 33n;
  k = mul(k, 0xff51afd7ed558ccdn);
  k ^= k >> 33n;
  k = mul(k, 0xc4ceb9fe1a85ec53n);
  k ^= k >> 33n;
  return k;
}

/** Little-endian 64-bit word from up to 8 bytes of `b` starting at `at` (missing bytes are 0). */
function word(b: Uint8Array, at: number, n: number): bigint {
  let w = 0n;
  for (let i = n - 1; i >= 0; i--) w = (w << 8n) | BigInt(b[at + i]);
  return w;
}

/** [h1, h2] as unsigned 64-bit BigInts. */
export function murmur3x64128Reference(data: Uint8Array, seed: number): [bigint, bigint] {
  let h1 = BigInt(seed >>> 0);
  let h2 = h1;
  const blocks = Math.floor(data.length / 16);
  for (let i = 0; i < blocks; i++) {
    let k1 = word(data, i * 16, 8);
    let k2 = word(data, i * 16 + 8, 8);
    k1 = mul(rotl(mul(k1, C1), 31n), C2);
    h1 ^= k1;
    h1 = add(mul(add(rotl(h1, 27n), h2), 5n), 0x52dce729n);
    k2 = mul(rotl(mul(k2, C2), 33n), C1);
    h2 ^= k2;
    h2 = add(mul(add(rotl(h2, 31n), h1), 5n), 0x38495ab5n);
  }
  const tail = blocks * 16;
  const rem = data.length - tail;
  if (rem > 8) h2 ^= mul(rotl(mul(word(data, tail + 8, rem - 8), C2), 33n), C1);
  if (rem > 0) h1 ^= mul(rotl(mul(word(data, tail, Math.min(rem, 8)), C1), 31n), C2);
  h1 ^= BigInt(data.length);
  h2 ^= BigInt(data.length);
  h1 = add(h1, h2);
  h2 = add(h2, h1);
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = add(h1, h2);
  h2 = add(h2, h1);
  return [h1, h2];
}

/** The 16-byte form LogCore reports: h1 then h2, each little-endian. */
export function murmur3x64128Bytes(data: Uint8Array, seed: number): Uint8Array {
  const [h1, h2] = murmur3x64128Reference(data, seed);
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, h1, true);
  v.setBigUint64(8, h2, true);
  return out;
}
