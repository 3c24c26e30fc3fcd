// Zigzag varints as used by Kafka's record format (KIP-98; Java: org.apache.kafka.common.utils.
// ByteUtils.writeVarint / writeVarlong / readVarint / readVarlong). A value is zigzag-mapped
// (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...) so small negatives stay short, then written as unsigned
// LEB128: 7 bits per byte, least significant group first, high bit set on every byte but the last.
//
// Varints are int32 (at most 5 bytes). Varlongs are int64 (at most 10 bytes) but JavaScript numbers
// are exact only up to 2^53, so varlongs here accept and return safe integers only: that covers
// every real timestampDelta (2^53 ms is ~285,000 years). Arithmetic stays on numbers (two 32-bit
// halves for the wide path) so the hot path never touches BigInt.
//
// Writers take the target array and a position and return the position after the value, so a
// caller that sized the buffer up front (see record-batch.ts) writes without any allocation.

/** A read position that the readers advance; one object per decode, not per value. */
export interface Cursor {
  pos: number;
}

const TWO_32 = 4294967296;

/** Bytes `writeVarint(value)` produces. `value` must be an int32. */
export function sizeOfVarint(value: number): number {
  const z = ((value << 1) ^ (value >> 31)) >>> 0;
  if (z < 0x80) return 1;
  if (z < 0x4000) return 2;
  if (z < 0x200000) return 3;
  if (z < 0x10000000) return 4;
  return 5;
}

/** Bytes `writeVarlong(value)` produces. `value` must be a safe integer. */
export function sizeOfVarlong(value: number): number {
  if ((value | 0) === value) return sizeOfVarint(value);
  // Outside int32 the zigzag value (2v or -2v-1) may not be exactly representable above 2^53, but
  // rounding never crosses a 7-bit group boundary (2^35 ... 2^63) that lies within the safe range.
  const z = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 5;
  let limit = 34359738368; // 2^35
  while (z >= limit && size < 10) {
    size++;
    limit *= 128;
  }
  return size;
}

/** Writes `value` (an int32) as a zigzag varint at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  if ((value | 0) !== value) throw new RangeError(`varint out of int32 range: ${value}`);
  let z = ((value << 1) ^ (value >> 31)) >>> 0;
  while (z > 0x7f) {
    buf[pos++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[pos++] = z;
  return pos;
}

/** Writes `value` (a safe integer) as a zigzag varlong at `pos`; returns the position after it. */
export function writeVarlong(buf: Uint8Array, pos: number, value: number): number {
  // For int32 values the 64-bit zigzag equals the 32-bit one, so the bytes are identical.
  if ((value | 0) === value) return writeVarint(buf, pos, value);
  if (!Number.isSafeInteger(value)) throw new RangeError(`varlong out of safe integer range: ${value}`);
  // Split into two's-complement halves. ToUint32 (>>> 0) is exact modulo 2^32 for any integer,
  // and the floor division by a power of two is exact for safe integers.
  const lo = value >>> 0;
  const hi = Math.floor(value / TWO_32) | 0;
  // 64-bit zigzag: (v << 1) ^ (v >> 63), carried across the halves.
  const sign = hi >> 31;
  let zlo = ((lo << 1) ^ sign) >>> 0;
  let zhi = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0;
  while (zhi !== 0 || zlo > 0x7f) {
    buf[pos++] = (zlo & 0x7f) | 0x80;
    zlo = ((zlo >>> 7) | (zhi << 25)) >>> 0;
    zhi >>>= 7;
  }
  buf[pos++] = zlo;
  return pos;
}

function truncated(pos: number): Error {
  return new Error(`truncated varint at byte ${pos}`);
}

/** Reads a zigzag varint at `cur.pos` and advances it. Like Java, at most 5 bytes. */
export function readVarint(buf: Uint8Array, cur: Cursor): number {
  let p = cur.pos;
  const start = p;
  let z = 0;
  let shift = 0;
  let b: number;
  do {
    if (p >= buf.length) throw truncated(start);
    if (shift > 28) throw new Error(`varint longer than 5 bytes at byte ${start}`);
    b = buf[p++];
    // Bits beyond 32 in the 5th byte are dropped, as Java's `value |= b << i` drops them.
    z |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  cur.pos = p;
  return (z >>> 1) ^ -(z & 1);
}

/**
 * Reads a zigzag varlong at `cur.pos` and advances it. At most 10 bytes, as in Java; throws if the
 * value is outside the safe integer range rather than returning a rounded number.
 */
export function readVarlong(buf: Uint8Array, cur: Cursor): number {
  let p = cur.pos;
  const start = p;
  let lo = 0;
  let hi = 0;
  let shift = 0;
  let b: number;
  do {
    if (p >= buf.length) throw truncated(start);
    if (shift > 63) throw new Error(`varlong longer than 10 bytes at byte ${start}`);
    b = buf[p++];
    const bits = b & 0x7f;
    if (shift < 28) lo |= bits << shift;
    else if (shift === 28) {
      lo |= bits << 28; // low 4 bits land in lo ...
      hi = bits >>> 4; // ... the high 3 in hi
    } else hi |= bits << (shift - 32); // bits past 64 are dropped, as in Java
    shift += 7;
  } while (b & 0x80);
  cur.pos = p;
  // Fits in 32 unsigned bits: the zigzag-decoded value is an int32.
  if (hi === 0) return (lo >>> 1) ^ -(lo & 1);
  const sign = -(lo & 1);
  const vlo = (((lo >>> 1) | (hi << 31)) ^ sign) >>> 0;
  const vhi = ((hi >>> 1) ^ sign) | 0;
  const value = vhi * TWO_32 + vlo;
  // Rounding is monotonic and 2^53 is representable, so an out-of-range value never looks safe.
  if (!Number.isSafeInteger(value)) throw new Error(`varlong at byte ${start} exceeds 2^53`);
  return value;
}
