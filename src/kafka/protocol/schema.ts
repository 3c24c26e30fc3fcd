// A declarative message schema and the one interpreter that decodes and encodes it, so each API
// module states its request and response once, per version, the way Kafka's own message JSON does
// (clients/src/main/resources/common/message/*.json: `versions`, `nullableVersions`, `tag`,
// `flexibleVersions`). Written by hand from those facts.
//
// Grammar of a schema (an array of fields):
//   field   = { name, type, versions, nullable?, tag?, default? }
//   type    = "int8" | "int16" | "int32" | "int64" | "uint16" | "uint32" | "float64" | "bool"
//           | "string" | "bytes" | "records" | "uuid" | Field[] (a struct) | { array: type }
//   versions, nullable = "N+" | "N-M" | "none"
// In flexible versions (KIP-482) strings, bytes, records and arrays use compact (uvarint N + 1)
// lengths, every struct ends with TAGGED_FIELDS, and fields with a `tag` travel there instead of
// in line. int64 fields decode to numbers (offsets, ids and timestamps stay below 2^53).
// A field absent from a version decodes to its default: 0, false, "", [] (null when nullable in
// that version and no default is given), so handlers may read every field of every version.
import { ProtocolError, Reader } from "./reader.ts";
import { Writer } from "./writer.ts";

export type Primitive = "int8" | "int16" | "int32" | "int64" | "uint16" | "uint32" | "float64" | "bool" | "string" | "bytes" | "records" | "uuid";
export type FieldType = Primitive | Field[] | { array: FieldType };

export interface Field {
  name: string;
  type: FieldType;
  versions: Range;
  nullable?: Range;
  tag?: number;
  default?: unknown;
}

/** Inclusive version range; `none` is [1, 0]. */
export type Range = readonly [number, number];

export function range(spec: string): Range {
  if (spec === "none") return [1, 0];
  const plus = /^(\d+)\+$/.exec(spec);
  if (plus) return [Number(plus[1]), 0x7fff];
  const span = /^(\d+)-(\d+)$/.exec(spec);
  if (span) return [Number(span[1]), Number(span[2])];
  const one = /^(\d+)$/.exec(spec);
  if (one) return [Number(one[1]), Number(one[1])];
  throw new Error(`bad version range ${JSON.stringify(spec)}`);
}

export function inRange(r: Range | undefined, v: number): boolean {
  return r !== undefined && v >= r[0] && v <= r[1];
}

interface FieldOptions {
  nullable?: string;
  tag?: number;
  default?: unknown;
}

/** `f("topics", "0+", [ ...struct ])`, `f("errorCode", "0+", "int16")`, `f("ids", "2+", array("int32"))`. */
export function f(name: string, versions: string, type: FieldType, opts: FieldOptions = {}): Field {
  return {
    name,
    type,
    versions: range(versions),
    nullable: opts.nullable === undefined ? undefined : range(opts.nullable),
    tag: opts.tag,
    default: opts.default,
  };
}

export function array(type: FieldType): { array: FieldType } {
  return { array: type };
}

// deno-lint-ignore no-explicit-any
export type Msg = Record<string, any>;

function defaultOf(field: Field, version: number): unknown {
  if (field.default !== undefined) return field.default;
  if (inRange(field.nullable, version)) return null;
  return zero(field.type);
}

function zero(type: FieldType): unknown {
  if (Array.isArray(type)) return decodeDefaults(type);
  if (typeof type === "object") return [];
  switch (type) {
    case "bool": return false;
    case "string": return "";
    case "bytes": return new Uint8Array(0);
    case "records": return null;
    case "uuid": return new Uint8Array(16);
    default: return 0;
  }
}

function decodeDefaults(fields: Field[]): Msg {
  const out: Msg = {};
  for (const field of fields) out[field.name] = field.default !== undefined ? field.default : zero(field.type);
  return out;
}

function readValue(r: Reader, type: FieldType, version: number, flexible: boolean, nullable: boolean): unknown {
  if (Array.isArray(type)) {
    if (nullable && r.int8() < 0) return null;
    return decodeStruct(r, type, version, flexible);
  }
  if (typeof type === "object") {
    const n = r.arrayLength(flexible);
    if (n < 0) {
      if (!nullable) throw new ProtocolError("null array in a non-nullable field");
      return null;
    }
    const items = new Array<unknown>(n);
    for (let i = 0; i < n; i++) items[i] = readValue(r, type.array, version, flexible, false);
    return items;
  }
  switch (type) {
    case "int8": return r.int8();
    case "int16": return r.int16();
    case "int32": return r.int32();
    case "int64": return r.int64n();
    case "uint16": return r.uint16();
    case "uint32": return r.uint32();
    case "float64": return r.float64();
    case "bool": return r.bool();
    case "uuid": return r.uuid();
    case "string": {
      const s = flexible ? r.compactNullableString() : r.nullableString();
      if (s === null && !nullable) throw new ProtocolError("null string in a non-nullable field");
      return s;
    }
    case "bytes":
    case "records": {
      const b = flexible ? r.compactNullableBytes() : r.nullableBytes();
      if (b === null && !nullable && type === "bytes") throw new ProtocolError("null bytes in a non-nullable field");
      return b;
    }
  }
}

export function decodeStruct(r: Reader, fields: Field[], version: number, flexible: boolean): Msg {
  const out: Msg = {};
  for (const field of fields) {
    if (field.tag !== undefined || !inRange(field.versions, version)) {
      out[field.name] = defaultOf(field, version);
      continue;
    }
    out[field.name] = readValue(r, field.type, version, flexible, inRange(field.nullable, version));
  }
  if (flexible) {
    const tagged = r.taggedFields();
    for (const field of fields) {
      if (field.tag === undefined || !inRange(field.versions, version)) continue;
      const bytes = tagged.get(field.tag);
      if (bytes) out[field.name] = readValue(new Reader(bytes), field.type, version, flexible, inRange(field.nullable, version));
    }
  }
  return out;
}

function writeValue(w: Writer, type: FieldType, value: unknown, version: number, flexible: boolean, nullable: boolean): void {
  if (Array.isArray(type)) {
    if (nullable) {
      if (value === null || value === undefined) {
        w.int8(-1);
        return;
      }
      w.int8(1);
    }
    encodeStruct(w, type, (value ?? {}) as Msg, version, flexible);
    return;
  }
  if (typeof type === "object") {
    if (value === null || value === undefined) {
      w.arrayLength(nullable ? null : 0, flexible);
      return;
    }
    const items = value as unknown[];
    w.arrayLength(items.length, flexible);
    for (const item of items) writeValue(w, type.array, item, version, flexible, false);
    return;
  }
  switch (type) {
    case "int8": w.int8(Number(value ?? 0)); return;
    case "int16": w.int16(Number(value ?? 0)); return;
    case "int32": w.int32(Number(value ?? 0)); return;
    case "int64": w.int64(typeof value === "bigint" ? value : BigInt(Math.trunc(Number(value ?? 0)))); return;
    case "uint16": w.uint16(Number(value ?? 0)); return;
    case "uint32": w.uint32(Number(value ?? 0)); return;
    case "float64": w.float64(Number(value ?? 0)); return;
    case "bool": w.bool(Boolean(value)); return;
    case "uuid": w.uuid((value as Uint8Array | null) ?? null); return;
    case "string": {
      const s = value === null || value === undefined ? (nullable ? null : "") : String(value);
      if (flexible) w.compactNullableString(s);
      else w.nullableString(s);
      return;
    }
    case "bytes":
    case "records": {
      const b = value === null || value === undefined ? (nullable || type === "records" ? null : new Uint8Array(0)) : (value as Uint8Array);
      if (flexible) w.compactNullableBytes(b);
      else w.nullableBytes(b);
      return;
    }
  }
}

function isDefault(value: unknown, field: Field): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return field.default !== undefined && value === field.default;
}

export function encodeStruct(w: Writer, fields: Field[], value: Msg, version: number, flexible: boolean): void {
  for (const field of fields) {
    if (field.tag !== undefined || !inRange(field.versions, version)) continue;
    // A field the handler left out is written as its declared default (e.g. -1 for unknown ids).
    const v = value[field.name] === undefined ? field.default : value[field.name];
    writeValue(w, field.type, v, version, flexible, inRange(field.nullable, version));
  }
  if (!flexible) return;
  const tagged: Array<[number, Uint8Array]> = [];
  for (const field of fields) {
    if (field.tag === undefined || !inRange(field.versions, version) || isDefault(value[field.name], field)) continue;
    const inner = new Writer(32);
    writeValue(inner, field.type, value[field.name], version, flexible, inRange(field.nullable, version));
    tagged.push([field.tag, inner.finish()]);
  }
  tagged.sort((a, b) => a[0] - b[0]);
  w.taggedFields(tagged);
}
