// A record as the HTTP sink sends it, in the fetch routes' JSON shape (API.md): `key` / `value`
// when the bytes are UTF-8 (and JSON text, for the value), else `key_b64` / `value_b64`.
import type { DecodedRecord } from "../batch/record-batch.ts";
import { toBase64 } from "./signing.ts";

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function utf8(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}

export function recordJson(topic: string, partition: number, r: DecodedRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { topic, partition, offset: r.offset, timestamp: r.timestamp };
  if (r.key === null) out.key = null;
  else {
    const k = utf8(r.key);
    if (k === undefined) out.key_b64 = toBase64(r.key);
    else out.key = k;
  }
  if (r.value === null) out.value = null;
  else {
    const text = utf8(r.value);
    let parsed: { v: unknown } | undefined;
    if (text !== undefined) {
      try {
        parsed = { v: JSON.parse(text) };
      } catch {
        parsed = undefined;
      }
    }
    if (parsed) out.value = parsed.v;
    else out.value_b64 = toBase64(r.value);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of r.headers) if (value !== null) headers[name] = utf8(value) ?? toBase64(value);
  out.headers = headers;
  return out;
}
