// How a consumed record is printed. plain: the value alone (strings as they are, other JSON values
// as JSON text, binary as UTF-8 text), or key<sep>value with --print-key — the inverse of
// `produce --key-separator`. json: one object per line with every field; binary keys/values as
// key_b64/value_b64, as the HTTP API shows them.

export const FORMATS = ["plain", "json"] as const;
export type Format = (typeof FORMATS)[number];

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: unknown;
  value: unknown;
  headers?: Record<string, unknown> | null;
}

const utf8 = new TextDecoder();

function text(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return utf8.decode(v);
  return JSON.stringify(v);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export function plainLine(r: ConsumedRecord, keySeparator: string | undefined): string {
  return keySeparator === undefined ? text(r.value) : `${text(r.key)}${keySeparator}${text(r.value)}`;
}

export function jsonLine(r: ConsumedRecord): string {
  const o: Record<string, unknown> = { topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp };
  if (r.key instanceof Uint8Array) o.key_b64 = base64(r.key);
  else o.key = r.key ?? null;
  if (r.value instanceof Uint8Array) o.value_b64 = base64(r.value);
  else o.value = r.value === undefined ? null : r.value;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {}))
    Object.defineProperty(headers, k, { value: text(v), enumerable: true, writable: true, configurable: true });
  o.headers = headers;
  return JSON.stringify(o);
}
