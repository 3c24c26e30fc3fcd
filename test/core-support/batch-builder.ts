// Test-only RecordBatch v2 encoder, independent of the Wasm core, so tests can build valid batches
// and then break exactly one rule. Also a bitwise CRC-32C reference (no tables) to re-seal a batch
// after a mutation, so the structural check behind the CRC is what a test actually exercises.
import { concatBytes } from "../../src/core/bytes.ts";

export interface TestRecord {
  key?: Uint8Array | null;
  value?: Uint8Array | null;
  headers?: [string, Uint8Array | null][];
  timestampDelta?: number;
  offsetDelta?: number; // defaults to the record's index
}

export interface TestBatch {
  baseOffset?: number;
  firstTimestamp?: number;
  maxTimestamp?: number; // defaults to max(firstTimestamp + delta)
  lastOffsetDelta?: number; // defaults to records.length - 1
  recordCount?: number; // defaults to records.length
  attributes?: number;
  magic?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  partitionLeaderEpoch?: number;
  records: TestRecord[];
}

/** Bit-at-a-time CRC-32C (reflected 0x82F63B78): slow, obviously correct. */
export function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export const enc = (s: string) => new TextEncoder().encode(s);

export function varint(n: number): number[] {
  let z = BigInt.asUintN(64, (BigInt(n) << 1n) ^ (BigInt(n) < 0n ? -1n : 0n));
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return out;
}

function bytesField(b: Uint8Array | null | undefined): number[] {
  return b == null ? varint(-1) : [...varint(b.length), ...b];
}

export function encodeRecord(r: TestRecord, index: number): number[] {
  const body = [
    0,
    ...varint(r.timestampDelta ?? 0),
    ...varint(r.offsetDelta ?? index),
    ...bytesField(r.key),
    ...bytesField(r.value),
    ...varint(r.headers?.length ?? 0),
  ];
  for (const [k, v] of r.headers ?? []) body.push(...bytesField(enc(k)), ...bytesField(v));
  return [...varint(body.length), ...body];
}

export function encodeBatch(b: TestBatch): Uint8Array {
  const records = b.records.flatMap((r, i) => encodeRecord(r, i));
  const first = b.firstTimestamp ?? 1_700_000_000_000;
  const max = b.maxTimestamp ?? Math.max(...b.records.map((r) => first + (r.timestampDelta ?? 0)), first);
  const out = new Uint8Array(61 + records.length);
  const v = new DataView(out.buffer);
  v.setBigInt64(0, BigInt(b.baseOffset ?? 0));
  v.setInt32(8, out.length - 12);
  v.setInt32(12, b.partitionLeaderEpoch ?? 0);
  v.setInt8(16, b.magic ?? 2);
  v.setInt16(21, b.attributes ?? 0);
  v.setInt32(23, b.lastOffsetDelta ?? b.records.length - 1);
  v.setBigInt64(27, BigInt(first));
  v.setBigInt64(35, BigInt(max));
  v.setBigInt64(43, BigInt(b.producerId ?? -1));
  v.setInt16(51, b.producerEpoch ?? -1);
  v.setInt32(53, b.baseSequence ?? -1);
  v.setInt32(57, b.recordCount ?? b.records.length);
  out.set(records, 61);
  return reseal(out);
}

/** Recomputes the CRC of the batch at `pos` (after a test mutated it). Returns `bytes`. */
export function reseal(bytes: Uint8Array, pos = 0): Uint8Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = pos + 12 + v.getInt32(pos + 8);
  v.setUint32(pos + 17, crc32cBitwise(bytes.subarray(pos + 21, end)));
  return bytes;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}
