// Produce request bodies (JSON or MessagePack) → records ready for RecordBatch encoding.
// Encodings (documented in README): in JSON a key is a UTF-8 string, a value any JSON value stored
// as its JSON text, `null` a tombstone (null value, as in Kafka); binary data travels as
// key_b64 / value_b64. In MessagePack, bin keys/values/headers are taken as raw bytes.
import { z } from "zod";
import { BrokerError } from "../core/errors.ts";
import type { Limits } from "../core/limits.ts";
import type { RecordInput } from "../core/record-batch.ts";

const bytes = z.instanceof(Uint8Array);
const offsetInt = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

function recordSchema(binary: boolean) {
  const text = binary ? z.union([z.string(), bytes]) : z.string();
  return z
    .strictObject({
      key: text.nullable().optional(),
      key_b64: z.base64().optional(),
      value: z.unknown().optional(),
      value_b64: z.base64().optional(),
      headers: z.record(z.string(), text).optional(),
      timestamp: offsetInt.optional(),
      partition: offsetInt.optional(),
    })
    .refine((r) => !(r.key !== undefined && r.key_b64 !== undefined), { message: "give key or key_b64, not both" })
    .refine((r) => (r.value !== undefined) !== (r.value_b64 !== undefined), { message: "exactly one of value or value_b64 is required" });
}

const jsonBody = z.strictObject({ records: z.array(recordSchema(false)).min(1, "at least one record is required") });
const msgpackBody = z.strictObject({ records: z.array(recordSchema(true)).min(1, "at least one record is required") });

export interface ProduceRecord extends RecordInput {
  partition: number | undefined;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, p) => (typeof p === "number" ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)), "");
}

const utf8 = new TextEncoder();

function base64Bytes(text: string): Uint8Array {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function toBytes(v: string | Uint8Array): Uint8Array {
  return typeof v === "string" ? utf8.encode(v) : v;
}

function valueBytes(value: unknown, binary: boolean, where: string): Uint8Array | null {
  if (value === null) return null;
  if (binary && value instanceof Uint8Array) return value;
  try {
    return utf8.encode(JSON.stringify(value));
  } catch {
    throw new BrokerError("invalid_record", `${where}.value: cannot be represented as JSON text`);
  }
}

/** Validates the body's shape and limits, and turns each record into bytes. */
export function parseProduceBody(body: unknown, binary: boolean, limits: Limits, now: number): ProduceRecord[] {
  if (body && typeof body === "object" && Array.isArray((body as { records?: unknown }).records)) {
    const count = (body as { records: unknown[] }).records.length;
    if (count > limits.maxRecordsPerRequest) {
      throw new BrokerError("too_many_records", `records: ${count} records exceed the limit of ${limits.maxRecordsPerRequest} per request (maxRecordsPerRequest)`, { limit: limits.maxRecordsPerRequest });
    }
  }
  const parsed = (binary ? msgpackBody : jsonBody).safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = formatPath(issue.path);
    throw new BrokerError("invalid_record", `${path || "body"}: ${issue.message}`);
  }
  return parsed.data.records.map((r, i) => {
    const where = `records[${i}]`;
    const key = r.key_b64 !== undefined ? base64Bytes(r.key_b64) : r.key == null ? null : toBytes(r.key);
    const value = r.value_b64 !== undefined ? base64Bytes(r.value_b64) : valueBytes(r.value, binary, where);
    const headers: Array<[string, Uint8Array]> = Object.entries(r.headers ?? {}).map(([k, v]) => [k, toBytes(v)]);
    let size = (key?.length ?? 0) + (value?.length ?? 0);
    for (const [k, v] of headers) size += k.length + v.length;
    if (size > limits.maxRecordBytes) {
      throw new BrokerError("record_too_large", `${where}: ${size} bytes of key, value and headers exceed the limit of ${limits.maxRecordBytes} (maxRecordBytes)`, { limit: limits.maxRecordBytes });
    }
    return { key, value, headers, timestamp: r.timestamp ?? now, partition: r.partition };
  });
}
