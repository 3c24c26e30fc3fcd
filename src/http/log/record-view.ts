// Stored records → response objects. JSON shows a key as a string when it is UTF-8 and a value
// as JSON when its bytes are UTF-8 JSON text; anything else is base64 under *_b64, so every byte
// round-trips. MessagePack carries keys, values and header values as raw bytes. Fetch pages are
// written as bytes by fetch-body.ts, which gives the same answer without an object per record.
import type { DecodedRecord } from "../../core/batch/record-batch.ts";
import { findInexactInteger } from "../../shared/json-numbers.ts";
import { base64 } from "./base64.ts";

export { base64 };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

const JSON_START = /^[\s]*[{["\-0-9tfn]/;

// A header may be named "__proto__": plain assignment would set the object's prototype instead
// and the header would vanish from the answer, so headers are defined as own properties.
export function setOwn<T>(o: Record<string, T>, k: string, v: T): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** The parsed value when `bytes` are UTF-8 JSON text shown as JSON, else undefined (→ base64). */
export function parseJsonValue(bytes: Uint8Array): { parsed: unknown } | undefined {
  const text = utf8OrUndefined(bytes);
  // JSON text can only start with these; checking first avoids a thrown (slow) parse for
  // the common case of opaque bytes that happen to be UTF-8.
  // JSON text with an integer a double cannot hold (a MessagePack uint64, say) would lose
  // digits in JSON.parse: it is shown as bytes (value_b64), exactly as stored.
  if (text === undefined || !JSON_START.test(text) || findInexactInteger(text) !== undefined) return undefined;
  try {
    return { parsed: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

export function jsonRecord(r: DecodedRecord, extra?: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...extra, offset: r.offset, timestamp: r.timestamp };
  if (r.key === null) out.key = null;
  else {
    const text = utf8OrUndefined(r.key);
    if (text === undefined) out.key_b64 = base64(r.key);
    else out.key = text;
  }
  if (r.value === null) out.value = null;
  else {
    const json = parseJsonValue(r.value);
    if (json) out.value = json.parsed;
    else out.value_b64 = base64(r.value);
  }
  const headers: Record<string, string> = {};
  let headersB64: Record<string, string> | undefined;
  for (const [k, v] of r.headers) {
    if (v === null) continue;
    const text = utf8OrUndefined(v);
    if (text !== undefined) setOwn(headers, k, text);
    else setOwn((headersB64 ??= {}), k, base64(v));
  }
  out.headers = headers;
  if (headersB64) out.headers_b64 = headersB64;
  return out;
}

export function msgpackRecord(r: DecodedRecord, extra?: Record<string, unknown>): Record<string, unknown> {
  const headers: Record<string, Uint8Array | null> = {};
  for (const [k, v] of r.headers) setOwn(headers, k, v);
  return { ...extra, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers };
}
