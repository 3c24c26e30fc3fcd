// Test-only: compressed RecordBatch v2 built from a plain one. Kafka compresses the records
// section (everything after the 61-byte header) as one blob and sets attributes bits 0-2; the
// header, recordCount included, stays as it was. Portable (runs in workerd tests too).
import { encodeBatch, enc, reseal, type TestRecord } from "./batch-builder.ts";

export const GZIP = 1;
export const SNAPPY = 2;
export const LZ4 = 3;
export const ZSTD = 4;

/** `plain`'s header with codec bits `codec`, records replaced by `compressed`, CRC resealed. */
export function withCompressedRecords(plain: Uint8Array, codec: number, compressed: Uint8Array): Uint8Array {
  const out = new Uint8Array(61 + compressed.length);
  out.set(plain.subarray(0, 61));
  out.set(compressed, 61);
  const v = new DataView(out.buffer);
  v.setInt32(8, out.length - 12);
  v.setInt16(21, (v.getInt16(21) & ~7) | codec);
  return reseal(out);
}

/**
 * The records the fixtures hold (test/core-support/compression-fixtures.ts): `count` JSON-ish
 * values with keys, a null key every 7th, a tombstone every 11th and headers every 5th. Over
 * 64 KiB at the default count, so lz4 frames with 64 KiB blocks span several blocks.
 */
export function fixtureRecords(count = 1200): TestRecord[] {
  const out: TestRecord[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      key: i % 7 === 3 ? null : enc(`device-${i % 40}`),
      value: i % 11 === 5 ? null : enc(JSON.stringify({ seq: i, temp: 20 + ((i * 37) % 100) / 10, site: `site-${i % 13}`, ok: i % 3 !== 0 })),
      headers: i % 5 === 0 ? [["trace", enc(`t-${i}`)], ["empty", null]] : [],
      timestampDelta: (i * 13) % 997,
    });
  }
  return out;
}

export const FIXTURE_FIRST_TIMESTAMP = 1_717_000_000_000;

/** The plain batch whose records section the fixtures compress. */
export function fixturePlainBatch(count?: number): Uint8Array {
  return encodeBatch({ firstTimestamp: FIXTURE_FIRST_TIMESTAMP, records: fixtureRecords(count) });
}
