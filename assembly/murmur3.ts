// MurmurHash3 x64_128 (Austin Appleby, public domain; SMHasher's MurmurHash3.cpp,
// MurmurHash3_x64_128), the 128-bit key hash of the compaction scan.
//
// Why 128 bits: a compaction pass keeps one entry per distinct key and must never confuse two
// keys, yet should not hold the keys themselves. Kafka's LogCleaner does the same: its offset map
// (SkimpyOffsetMap) stores a 16-byte digest of each key (MD5 by default) instead of the key. With
// 128 bits a collision among n keys has probability ~n^2 / 2^129, negligible for any partition;
// security is not the point (keys are the tenant's own data), so a fast non-cryptographic hash
// of the same width does the job. murmur3_x64_128 is widely implemented (Guava's
// Hashing.murmur3_128, Elasticsearch, Spark), so its output can be checked against published
// vectors, which the tests do.
//
// Output: 16 bytes, h1 then h2, each little-endian: what the C reference writes on a little-endian
// machine and what Guava's HashCode.asBytes() returns. Blocks are read as little-endian u64 like
// the reference's getblock64 on x86; Wasm memory is little-endian and allows unaligned loads.

const C1: u64 = 0x87c37b91114253d5;
const C2: u64 = 0x4cf5ad432745937f;

// @ts-ignore: decorator
@inline function fmix64(k: u64): u64 {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccd;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53;
  k ^= k >> 33;
  return k;
}

/** Writes MurmurHash3_x64_128([p, p+len), seed) to the 16 bytes at out. */
export function murmur3x64128(p: usize, len: usize, seed: u32, out: usize): void {
  let h1: u64 = <u64>seed;
  let h2: u64 = <u64>seed;
  const blocksEnd = p + (len & ~<usize>15);
  let q = p;
  while (q < blocksEnd) {
    let k1 = load<u64>(q);
    let k2 = load<u64>(q, 8);
    k1 *= C1; k1 = rotl<u64>(k1, 31); k1 *= C2; h1 ^= k1;
    h1 = rotl<u64>(h1, 27); h1 += h2; h1 = h1 * 5 + 0x52dce729;
    k2 *= C2; k2 = rotl<u64>(k2, 33); k2 *= C1; h2 ^= k2;
    h2 = rotl<u64>(h2, 31); h2 += h1; h2 = h2 * 5 + 0x38495ab5;
    q += 16;
  }
  // Tail (the reference's fall-through switch): bytes 8..14 form k2, bytes 0..7 form k1, each
  // little-endian, so assemble them from the highest byte down.
  const rem = len & 15;
  if (rem > 8) {
    let k2: u64 = 0;
    for (let i = rem; i > 8; i--) k2 = (k2 << 8) | <u64>load<u8>(q + i - 1);
    k2 *= C2; k2 = rotl<u64>(k2, 33); k2 *= C1; h2 ^= k2;
  }
  if (rem > 0) {
    let k1: u64 = 0;
    for (let i = rem < 8 ? rem : 8; i > 0; i--) k1 = (k1 << 8) | <u64>load<u8>(q + i - 1);
    k1 *= C1; k1 = rotl<u64>(k1, 31); k1 *= C2; h1 ^= k1;
  }
  h1 ^= <u64>len;
  h2 ^= <u64>len;
  h1 += h2;
  h2 += h1;
  h1 = fmix64(h1);
  h2 = fmix64(h2);
  h1 += h2;
  h2 += h1;
  store<u64>(out, h1);
  store<u64>(out, h2, 8);
}
