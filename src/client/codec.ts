// Records to and from the wire. Outgoing values are turned into their stored bytes here (JSON text
// for structured values) so that batch sizes are known before sending and the broker stores
// exactly what the client meant; incoming records are shown as the broker's JSON view does: text
// as strings, JSON text parsed, anything else as bytes.
import { findInexactInteger } from "../shared/json-numbers.ts";
import { invalidArgument } from "./errors.ts";
import type { ConsumerRecord, Encoding, HeaderValue, Key, ProducerRecord } from "./types.ts";

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
// JSON text can only start with these; checking first avoids a thrown parse for most binary data.
const JSON_START = /^\s*[{["\-0-9tfn]/;

/** A record ready to batch: its bytes for partitioning and sizing, and its wire form. */
export interface EncodedRecord {
  keyBytes: Uint8Array | null;
  wire: Record<string, unknown>;
  /** An estimate of the record's share of the request body. */
  size: number;
}

// A string with an unpaired surrogate has no UTF-8 form (TextEncoder would send U+FFFD); the
// broker refuses such text too (invalid_utf8), so it is refused here before sending.
function utf8Text(s: string, where: string): Uint8Array {
  if (!(s as string & { isWellFormed(): boolean }).isWellFormed())
    throw invalidArgument(`${where}: holds an unpaired UTF-16 surrogate, which has no UTF-8 form`);
  return utf8.encode(s);
}

// JSON has no NaN or Infinity: JSON.stringify would send null (a tombstone) in their place.
function finiteOnly(_key: string, v: unknown): unknown {
  if (typeof v === "number" && !Number.isFinite(v))
    throw invalidArgument(`value: ${v} cannot be represented as JSON (it would be stored as null)`);
  return v;
}

export function keyBytes(key: Key | undefined): Uint8Array | null {
  if (key === null || key === undefined) return null;
  if (typeof key === "string") return utf8Text(key, "key");
  if (key instanceof Uint8Array) return key;
  throw invalidArgument(`key: expected a string, a Uint8Array or null, got ${typeof key}`);
}

function valueBytes(value: unknown): Uint8Array | null {
  if (value === null) return null;
  if (value instanceof Uint8Array) return value;
  if (value === undefined) throw invalidArgument("value: required (use null for a tombstone)");
  let text: string | undefined;
  try {
    text = JSON.stringify(value, finiteOnly);
  } catch (err) {
    if ((err as { code?: unknown }).code === "invalid_argument") throw err;
    throw invalidArgument(`value: cannot be represented as JSON: ${(err as Error).message}`);
  }
  if (text === undefined) throw invalidArgument(`value: a ${typeof value} cannot be represented as JSON`);
  return utf8.encode(text);
}

function base64(bytes: Uint8Array): string {
  let raw = "";
  for (let i = 0; i < bytes.length; i += 0x8000) raw += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(raw);
}

function fromBase64(text: string): Uint8Array {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

export function encodeRecord(r: ProducerRecord, encoding: Encoding): EncodedRecord {
  const key = keyBytes(r.key);
  const value = valueBytes(r.value);
  const wire: Record<string, unknown> = {};
  // Per-record framing in either encoding (field names, lengths) stays under this.
  let size = 24;
  if (encoding === "msgpack") {
    if (key) wire.key = key;
    wire.value = value;
  } else {
    if (key) {
      if (typeof r.key === "string") wire.key = r.key;
      else wire.key_b64 = base64(key);
    }
    if (value === null || !(r.value instanceof Uint8Array)) wire.value = r.value;
    else wire.value_b64 = base64(value);
  }
  // base64 grows binary by a third in JSON; JSON escaping rarely adds more than that.
  const grow = encoding === "json" ? 4 / 3 : 1;
  size += Math.ceil(((key?.length ?? 0) + (value?.length ?? 0)) * grow);
  if (r.headers !== undefined) {
    if (typeof r.headers !== "object" || r.headers === null)
      throw invalidArgument("headers: expected an object of names to strings or bytes");
    const headers: Record<string, HeaderValue> = {};
    for (const [name, v] of Object.entries(r.headers)) {
      if (typeof v === "string") {
        const bytes = utf8Text(v, `headers.${name}`);
        setOwn(headers, name, encoding === "msgpack" ? bytes : v);
      } else if (v instanceof Uint8Array) {
        if (encoding === "json")
          throw invalidArgument(`headers.${name}: binary header values need encoding "msgpack" (JSON headers are strings)`);
        setOwn(headers, name, v);
      } else throw invalidArgument(`headers.${name}: expected a string or a Uint8Array`);
      size +=
        name.length + (typeof headers[name] === "string" ? (headers[name] as string).length * 3 : (headers[name] as Uint8Array).length) + 4;
    }
    wire.headers = headers;
  }
  if (r.timestamp !== undefined) {
    const ts = r.timestamp instanceof Date ? r.timestamp.getTime() : r.timestamp;
    if (!Number.isSafeInteger(ts) || ts < 0)
      throw invalidArgument(`timestamp: expected milliseconds since the epoch, got ${String(r.timestamp)}`);
    wire.timestamp = ts;
  }
  return { keyBytes: key, wire, size };
}

// ---- decoding ----------------------------------------------------------------------------------

export type DecodeMode = "auto" | "bytes";

function text(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function autoValue(bytes: Uint8Array): unknown {
  const t = text(bytes);
  // JSON text holding an integer a double cannot hold stays bytes, as in the broker's JSON view.
  if (t === undefined || !JSON_START.test(t) || findInexactInteger(t) !== undefined) return bytes;
  try {
    return JSON.parse(t);
  } catch {
    return bytes;
  }
}

// A header may be named "__proto__": defined as an own property, never assigned (which would
// set the object's prototype and drop the header).
function setOwn<T>(o: Record<string, T>, k: string, v: T): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Bytes of a JSON-view field pair such as value / value_b64. */
function jsonFieldBytes(plain: unknown, b64: unknown, isValue: boolean): Uint8Array | null {
  if (typeof b64 === "string") return fromBase64(b64);
  if (plain === null || plain === undefined) return null;
  return utf8.encode(isValue ? JSON.stringify(plain) : String(plain));
}

/** A record as the broker sent it (MessagePack: raw bytes; JSON: the broker's JSON view) → ConsumerRecord. */
export function decodeRecord(
  raw: Record<string, unknown>,
  encoding: Encoding,
  mode: DecodeMode,
  topic: string,
  partition: number,
): ConsumerRecord {
  const base = { topic, partition, offset: raw.offset as number, timestamp: raw.timestamp as number };
  const headers: Record<string, HeaderValue> = {};
  if (encoding === "msgpack") {
    const key = (raw.key as Uint8Array | null | undefined) ?? null;
    const value = (raw.value as Uint8Array | null | undefined) ?? null;
    for (const [name, v] of Object.entries((raw.headers ?? {}) as Record<string, Uint8Array | null>)) {
      if (v !== null) setOwn(headers, name, mode === "bytes" ? v : (text(v) ?? v));
    }
    if (mode === "bytes") return { ...base, key, value, headers };
    return { ...base, key: key === null ? null : (text(key) ?? key), value: value === null ? null : autoValue(value), headers };
  }
  // The JSON view: key/key_b64, value/value_b64, headers/headers_b64.
  for (const [name, v] of Object.entries((raw.headers ?? {}) as Record<string, string>))
    setOwn(headers, name, mode === "bytes" ? utf8.encode(v) : v);
  for (const [name, v] of Object.entries((raw.headers_b64 ?? {}) as Record<string, string>)) setOwn(headers, name, fromBase64(v));
  if (mode === "bytes") {
    return { ...base, key: jsonFieldBytes(raw.key, raw.key_b64, false), value: jsonFieldBytes(raw.value, raw.value_b64, true), headers };
  }
  const key = typeof raw.key_b64 === "string" ? fromBase64(raw.key_b64) : ((raw.key as string | null | undefined) ?? null);
  const value = typeof raw.value_b64 === "string" ? fromBase64(raw.value_b64) : raw.value;
  return { ...base, key, value: value === undefined ? null : value, headers };
}
