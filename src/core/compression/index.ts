// Kafka's record compression (RecordBatch v2 attributes bits 0-2; KIP-110 added zstd): the
// records section of a batch, everything after the 61-byte header, is compressed as one blob;
// the header, recordCount included, stays plain. The broker stores and serves such batches as
// produced and decompresses them only to validate them and to decode their records, always with
// a bound on the output (docs/compression.md).
import { DecompressionError } from "./bounded-output.ts";
import { gunzipBounded, gzip } from "./gzip.ts";
import { unlz4Bounded } from "./lz4.ts";
import { snappy, unsnappyBounded } from "./snappy.ts";
import { unzstdBounded } from "./zstd.ts";

export { DecompressionError } from "./bounded-output.ts";

export const CODEC_NONE = 0;
export const CODEC_GZIP = 1;
export const CODEC_SNAPPY = 2;
export const CODEC_LZ4 = 3;
export const CODEC_ZSTD = 4;
export const CODEC_MASK = 0x07;

export const CODEC_NAMES: readonly string[] = ["none", "gzip", "snappy", "lz4", "zstd"];

/**
 * Most bytes the records of one produce request, or of one stored batch on read, may decompress
 * to. Requests are at most 1 MiB compressed; 16 MiB leaves room for ratios of 16:1 and more,
 * which JSON values reach, while a bomb is cut off at 16 MiB (plus one codec block).
 */
export const MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024;

export function codecName(codec: number): string {
  return CODEC_NAMES[codec] ?? `codec ${codec}`;
}

/** Decompresses a batch's records section; throws DecompressionError when corrupt or past `maxBytes`. */
export function decompressRecords(codec: number, bytes: Uint8Array, maxBytes: number = MAX_DECOMPRESSED_BYTES): Uint8Array {
  if (codec > CODEC_NONE && codec <= CODEC_ZSTD && bytes.length === 0) {
    throw new DecompressionError("corrupt_compression", `${codecName(codec)} records are empty`);
  }
  switch (codec) {
    case CODEC_NONE:
      if (bytes.length > maxBytes) throw new DecompressionError("decompression_limit", `records exceed the limit of ${maxBytes} bytes`);
      return bytes;
    case CODEC_GZIP:
      return gunzipBounded(bytes, maxBytes);
    case CODEC_SNAPPY:
      return unsnappyBounded(bytes, maxBytes);
    case CODEC_LZ4:
      return unlz4Bounded(bytes, maxBytes);
    case CODEC_ZSTD:
      return unzstdBounded(bytes, maxBytes);
    default:
      throw new DecompressionError("unsupported_compression", `compression codec ${codec} does not exist (Kafka defines 0-4)`);
  }
}

/**
 * Compresses a records section with `codec` where the broker has a portable compressor (gzip
 * via fflate, snappy via snappyjs); null for lz4 and zstd, whose pure-JS libraries decompress
 * only. Compaction uses it to keep a rewritten batch in its codec (docs/compression.md).
 */
export function compressRecords(codec: number, bytes: Uint8Array): Uint8Array | null {
  switch (codec) {
    case CODEC_NONE:
      return bytes;
    case CODEC_GZIP:
      return gzip(bytes);
    case CODEC_SNAPPY:
      return snappy(bytes);
    default:
      return null;
  }
}
