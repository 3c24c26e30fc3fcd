// Produce request bodies (JSON or MessagePack) → records ready for RecordBatch encoding.
// Encodings (documented in README): in JSON a key is a UTF-8 string, a value any JSON value stored
// as its JSON text, `null` a tombstone (null value, as in Kafka); binary data travels as
// key_b64 / value_b64. In MessagePack, bin keys/values/headers are taken as raw bytes.
//
// Checked by hand rather than with a schema library: this runs for every record of every produce
// request, and schema libraries that compile validators with `new Function` fall back to a slow
// interpreter on Workers, where eval is disallowed (measured: the largest cost of a JSON produce).
import { BrokerError } from "../../core/errors.ts";
import type { Limits } from "../../core/limits.ts";
import type { RecordInput } from "../../core/batch/record-batch.ts";
import { describe, jsonText } from "../json-text.ts";
import { parseJsonBody } from "../body-decode.ts";
import { NO_VALUE, NULL_VALUE, scanProduce } from "./produce-json-scan.ts";

export interface ProduceRecord extends RecordInput {
  partition: number | undefined;
}

const FIELDS = new Set(["key", "key_b64", "value", "value_b64", "headers", "timestamp", "partition"]);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextEncoder();

function invalid(where: string, message: string): never {
  throw new BrokerError("invalid_record", `${where}: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function base64Bytes(text: unknown, where: string): Uint8Array {
  if (typeof text !== "string" || !BASE64.test(text)) invalid(where, "expected a base64 string");
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

// A string with an unpaired surrogate (JSON "\ud800") has no UTF-8 form: TextEncoder would store
// U+FFFD in its place, so it is refused instead.
const wellFormed = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed();

function utf8Text(s: string, where: string): Uint8Array {
  if (!wellFormed(s)) throw new BrokerError("invalid_utf8", `${where}: holds an unpaired UTF-16 surrogate, which has no UTF-8 form`);
  return utf8.encode(s);
}

/** A UTF-8 string, or raw bytes where the encoding has them (MessagePack bin). */
function textBytes(v: unknown, binary: boolean, where: string): Uint8Array {
  if (typeof v === "string") return utf8Text(v, where);
  if (binary && v instanceof Uint8Array) return v;
  return invalid(where, binary ? "expected a string or bytes" : "expected a string");
}

function nonNegativeInteger(v: unknown, where: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) invalid(where, `expected a non-negative integer, got ${describe(v)}`);
  return v;
}

/** A value already as its JSON text, bytes of the request body (produce-json-scan.ts). */
class JsonTextBytes {
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
}

function valueBytes(value: unknown, binary: boolean, where: string): Uint8Array | null {
  if (value === null) return null;
  if (value instanceof JsonTextBytes) return value.bytes;
  if (binary && value instanceof Uint8Array) return value;
  const text = jsonText(value);
  if (text === undefined) invalid(where, "cannot be represented as JSON text");
  return utf8.encode(text);
}

function parseRecord(r: unknown, i: number, binary: boolean, limits: Limits, now: number): ProduceRecord {
  const where = `records[${i}]`;
  if (!isObject(r)) invalid(where, "expected an object");
  for (const field in r) if (!FIELDS.has(field)) invalid(`${where}.${field}`, `unknown field (expected ${[...FIELDS].join(", ")})`);
  if (r.key !== undefined && r.key_b64 !== undefined) invalid(where, "give key or key_b64, not both");
  if ((r.value === undefined) === (r.value_b64 === undefined)) invalid(where, "exactly one of value or value_b64 is required");

  const key =
    r.key_b64 !== undefined ? base64Bytes(r.key_b64, `${where}.key_b64`) : r.key == null ? null : textBytes(r.key, binary, `${where}.key`);
  const value = r.value_b64 !== undefined ? base64Bytes(r.value_b64, `${where}.value_b64`) : valueBytes(r.value, binary, `${where}.value`);
  if (key && key.length > limits.maxKeyBytes) {
    throw new BrokerError("record_too_large", `${where}.key: ${key.length} bytes exceed the limit of ${limits.maxKeyBytes} (maxKeyBytes)`, {
      limit: limits.maxKeyBytes,
    });
  }
  const headers: Array<[string, Uint8Array]> = [];
  let size = (key?.length ?? 0) + (value?.length ?? 0);
  let headerBytes = 0;
  if (r.headers !== undefined) {
    if (!isObject(r.headers)) invalid(`${where}.headers`, "expected an object of header names to values");
    for (const name in r.headers) {
      if (headers.length >= limits.maxHeadersPerRecord) {
        throw new BrokerError(
          "record_too_large",
          `${where}.headers: more than ${limits.maxHeadersPerRecord} headers (maxHeadersPerRecord)`,
          { limit: limits.maxHeadersPerRecord },
        );
      }
      const bytes = textBytes(r.headers[name], binary, `${where}.headers.${name}`);
      headers.push([name, bytes]);
      headerBytes += utf8Text(name, `${where}.headers`).length + bytes.length;
    }
    if (headerBytes > limits.maxHeaderBytes) {
      throw new BrokerError(
        "record_too_large",
        `${where}.headers: ${headerBytes} bytes exceed the limit of ${limits.maxHeaderBytes} (maxHeaderBytes)`,
        { limit: limits.maxHeaderBytes },
      );
    }
    size += headerBytes;
  }
  if (size > limits.maxRecordBytes) {
    throw new BrokerError(
      "record_too_large",
      `${where}: ${size} bytes of key, value and headers exceed the limit of ${limits.maxRecordBytes} (maxRecordBytes)`,
      { limit: limits.maxRecordBytes },
    );
  }
  return {
    key,
    value,
    headers,
    timestamp: r.timestamp === undefined ? now : nonNegativeInteger(r.timestamp, `${where}.timestamp`),
    partition: r.partition === undefined ? undefined : nonNegativeInteger(r.partition, `${where}.partition`),
  };
}

function checkCount(records: unknown[], limits: Limits): void {
  if (records.length === 0) invalid("records", "at least one record is required");
  if (records.length > limits.maxRecordsPerRequest) {
    throw new BrokerError(
      "too_many_records",
      `records: ${records.length} records exceed the limit of ${limits.maxRecordsPerRequest} per request (maxRecordsPerRequest)`,
      { limit: limits.maxRecordsPerRequest },
    );
  }
}

/** Validates the body's shape and limits, and turns each record into bytes. */
export function parseProduceBody(body: unknown, binary: boolean, limits: Limits, now: number): ProduceRecord[] {
  if (!isObject(body)) throw new BrokerError("invalid_record", 'body: expected an object {"records": [...]}');
  for (const field in body) if (field !== "records") invalid(field, 'unknown field (expected "records")');
  const records = body.records;
  if (!Array.isArray(records)) invalid("records", "expected an array of records");
  checkCount(records, limits);
  return records.map((r, i) => parseRecord(r, i, binary, limits, now));
}

/**
 * A JSON body whose records are all bare values, `{"value": …}` — each record's value a span of
 * the body, already its canonical JSON text (produce-json-scan.ts), no key, no headers, stamped
 * `timestamp` — left as spans: encodeSpans copies each value once, straight into the batch.
 */
export class BareValues {
  readonly body: Uint8Array;
  /** Per record, [start, end) of its value in `body`; start NULL_SPAN for a tombstone. */
  readonly spans: Int32Array;
  readonly count: number;
  readonly timestamp: number;
  constructor(body: Uint8Array, spans: Int32Array, timestamp: number) {
    this.body = body;
    this.spans = spans;
    this.count = spans.length >> 1;
    this.timestamp = timestamp;
  }

  /** The same records as ProduceRecords, for callers that need them one by one. */
  records(): ProduceRecord[] {
    const out: ProduceRecord[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const start = this.spans[2 * i]!;
      const value = start === NULL_VALUE ? null : this.body.subarray(start, this.spans[2 * i + 1]!);
      out[i] = { key: null, value, headers: [], timestamp: this.timestamp, partition: undefined };
    }
    return out;
  }
}

/**
 * The records of a JSON produce body. Values whose bytes in the body are already the JSON text
 * the general path would store are taken as they are (produce-json-scan.ts) — a body of bare
 * values as BareValues, left in the body; any other body — and any body the fast path finds
 * fault with — goes the general way, JSON.parse and parseProduceBody, which stores and refuses
 * exactly as it always has.
 */
export function parseJsonProduce(bytes: Uint8Array, limits: Limits, now: number): ProduceRecord[] | BareValues {
  const scanned = scanProduce(bytes);
  if (scanned !== undefined && scanned.count <= limits.maxRecordsPerRequest) {
    const { spans, fields } = scanned;
    if (fields === undefined) {
      // Every record is {"value": …}: of parseRecord's checks only the record size applies.
      let fits = true;
      for (let i = 0; i < spans.length && fits; i += 2)
        fits = spans[i] === NULL_VALUE || spans[i + 1]! - spans[i]! <= limits.maxRecordBytes;
      if (fits) return new BareValues(bytes, spans, now);
    } else {
      try {
        const out: ProduceRecord[] = new Array(scanned.count);
        for (let i = 0; i < scanned.count; i++) {
          const own: Record<string, unknown> = fields[i] ?? {};
          const start = spans[2 * i]!;
          if (start !== NO_VALUE) own.value = start === NULL_VALUE ? null : new JsonTextBytes(bytes.subarray(start, spans[2 * i + 1]!));
          out[i] = parseRecord(own, i, false, limits, now);
        }
        return out;
      } catch (err) {
        if (!(err instanceof BrokerError)) throw err;
        // The general path below names the fault as it always has.
      }
    }
  }
  return parseProduceBody(parseJsonBody(bytes), false, limits, now);
}

/** parseJsonProduce's records, one by one. */
export function parseJsonProduceBody(bytes: Uint8Array, limits: Limits, now: number): ProduceRecord[] {
  const parsed = parseJsonProduce(bytes, limits, now);
  return parsed instanceof BareValues ? parsed.records() : parsed;
}
