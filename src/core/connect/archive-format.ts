// How the object-storage sink lays records out in an object: NDJSON (one record per line in the
// fetch routes' JSON shape, record-json.ts; gzip optional, RFC 1952 by fflate) or Apache Parquet
// (hyparquet-writer: pure JavaScript, so the same code runs in workerd and on every standalone
// host). Encoding is a function of the records alone, so a retry of the same batch writes the
// same objects under the same keys.
import { gzipSync } from "fflate";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { DecodedRecord } from "../batch/record-batch.ts";
import { recordJson } from "./record-json.ts";
import { concatBytes } from "../bytes.ts";

export type ArchiveFormat = "ndjson" | "parquet";
export type ArchiveCompression = "none" | "gzip";

const utf8 = new TextEncoder();

/** The object name's extension for a format and compression. */
export function extension(format: ArchiveFormat, compression: ArchiveCompression): string {
  if (format === "parquet") return ".parquet";
  return compression === "gzip" ? ".ndjson.gz" : ".ndjson";
}

/** One NDJSON line per record (uncompressed), so a batch can be cut at a size by whole lines. */
export function ndjsonLines(topic: string, partition: number, records: DecodedRecord[]): Uint8Array[] {
  return records.map((r) => utf8.encode(`${JSON.stringify(recordJson(topic, partition, r))}\n`));
}

/** gzip with mtime 0, so the same lines give the same bytes on every attempt. */
export function ndjsonObject(lines: Uint8Array[], compression: ArchiveCompression): Uint8Array {
  const body = concatBytes(lines);
  return compression === "gzip" ? gzipSync(body, { mtime: 0 }) : body;
}

/**
 * A Parquet file of the records: topic, partition, offset (INT64), timestamp (TIMESTAMP_MILLIS),
 * key and value as raw bytes (BYTE_ARRAY, null when absent), headers as a JSON object of UTF-8
 * (or base64) strings. Snappy-compressed pages (the format's usual codec).
 */
export function parquetObject(topic: string, partition: number, records: DecodedRecord[]): Uint8Array {
  // The same header strings NDJSON carries (UTF-8, else base64).
  const headers = records.map((r) => recordJson(topic, partition, r).headers);
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: "topic", data: records.map(() => topic), type: "STRING", nullable: false },
      { name: "partition", data: new Int32Array(records.length).fill(partition), type: "INT32", nullable: false },
      { name: "offset", data: BigInt64Array.from(records, (r) => BigInt(r.offset)), type: "INT64", nullable: false },
      { name: "timestamp", data: records.map((r) => new Date(r.timestamp)), type: "TIMESTAMP", nullable: false },
      { name: "key", data: records.map((r) => r.key), type: "BYTE_ARRAY" },
      { name: "value", data: records.map((r) => r.value), type: "BYTE_ARRAY" },
      { name: "headers", data: headers.map((h) => JSON.stringify(h)), type: "STRING", nullable: false },
    ],
    createdBy: "edgebroker object-storage-sink",
  });
  return new Uint8Array(buffer);
}
