// Zigzag varint/varlong round trips at the LEB128 group boundaries, against hand-computed bytes and
// against kafkajs's Encoder/Decoder (ports of Java's ByteUtils).
import { describe, expect, it } from "vitest";
import { readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from "./varint.ts";

async function loadCjs<T>(specifier: string): Promise<T> {
  return ((await import(specifier)) as { default: T }).default;
}
interface KafkaEncoder {
  writeVarInt(v: number): KafkaEncoder;
  writeVarLong(v: number): KafkaEncoder;
  buffer: Buffer;
}
interface KafkaDecoder {
  readVarInt(): number;
  readVarLong(): { toString(): string };
}
const Encoder = await loadCjs<new () => KafkaEncoder>("kafkajs/src/protocol/encoder.js");
const Decoder = await loadCjs<new (b: Buffer) => KafkaDecoder>("kafkajs/src/protocol/decoder.js");

function varint(v: number): number[] {
  const buf = new Uint8Array(5);
  return Array.from(buf.subarray(0, writeVarint(buf, 0, v)));
}
function varlong(v: number): number[] {
  const buf = new Uint8Array(10);
  return Array.from(buf.subarray(0, writeVarlong(buf, 0, v)));
}

const INT32_CASES = [0, 1, -1, 63, -64, 64, -65, 8191, -8192, 8192, -8193, 2 ** 20 - 1, 2 ** 20, -(2 ** 20), -(2 ** 20) - 1];
INT32_CASES.push(2 ** 27 - 1, 2 ** 27, -(2 ** 27), -(2 ** 27) - 1, 2 ** 31 - 1, -(2 ** 31), 1_000_000, -1_000_000);

const LONG_CASES = [...INT32_CASES, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32), 2 ** 34 - 1, 2 ** 34, -(2 ** 34) - 1];
LONG_CASES.push(2 ** 40, -(2 ** 40), 2 ** 40 + 12345, -(2 ** 40) - 12345, 1_700_000_000_000, -1_700_000_000_000);
LONG_CASES.push(2 ** 41 - 1, 2 ** 41, 2 ** 48 - 1, 2 ** 48, -(2 ** 48) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER);

describe("varint", () => {
  it("encodes the zigzag examples from the protobuf/Kafka docs", () => {
    expect(varint(0)).toEqual([0x00]);
    expect(varint(-1)).toEqual([0x01]);
    expect(varint(1)).toEqual([0x02]);
    expect(varint(63)).toEqual([0x7e]);
    expect(varint(-64)).toEqual([0x7f]);
    expect(varint(64)).toEqual([0x80, 0x01]);
    expect(varint(-65)).toEqual([0x81, 0x01]);
    expect(varint(2 ** 31 - 1)).toEqual([0xfe, 0xff, 0xff, 0xff, 0x0f]);
    expect(varint(-(2 ** 31))).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it("round-trips boundaries, sizes agree, and bytes match kafkajs", () => {
    for (const v of INT32_CASES) {
      const bytes = varint(v);
      expect(bytes.length, `size of ${v}`).toBe(sizeOfVarint(v));
      const cur = { pos: 0 };
      expect(readVarint(Uint8Array.from(bytes), cur)).toBe(v);
      expect(cur.pos).toBe(bytes.length);
      expect(bytes, `kafkajs bytes of ${v}`).toEqual(Array.from(new Encoder().writeVarInt(v).buffer));
      expect(new Decoder(Buffer.from(bytes)).readVarInt()).toBe(v);
    }
  });

  it("reads consecutive values and advances the cursor", () => {
    const buf = new Uint8Array(64);
    let p = 0;
    for (const v of INT32_CASES.slice(0, 8)) p = writeVarint(buf, p, v);
    const cur = { pos: 0 };
    for (const v of INT32_CASES.slice(0, 8)) expect(readVarint(buf, cur)).toBe(v);
    expect(cur.pos).toBe(p);
  });

  it("rejects non-int32 values, truncated input and over-long encodings", () => {
    const buf = new Uint8Array(10);
    expect(() => writeVarint(buf, 0, 2 ** 31)).toThrow(RangeError);
    expect(() => writeVarint(buf, 0, 1.5)).toThrow(RangeError);
    expect(() => readVarint(Uint8Array.of(0x80, 0x80), { pos: 0 })).toThrow(/truncated/);
    expect(() => readVarint(new Uint8Array(0), { pos: 0 })).toThrow(/truncated/);
    expect(() => readVarint(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), { pos: 0 })).toThrow(/5 bytes/);
  });
});

describe("varlong", () => {
  it("round-trips boundaries up to ±2^53, sizes agree, and bytes match kafkajs", () => {
    for (const v of LONG_CASES) {
      const bytes = varlong(v);
      expect(bytes.length, `size of ${v}`).toBe(sizeOfVarlong(v));
      const cur = { pos: 0 };
      expect(readVarlong(Uint8Array.from(bytes), cur), `round trip of ${v}`).toBe(v);
      expect(cur.pos).toBe(bytes.length);
      expect(bytes, `kafkajs bytes of ${v}`).toEqual(Array.from(new Encoder().writeVarLong(v).buffer));
      expect(new Decoder(Buffer.from(bytes)).readVarLong().toString()).toBe(String(v));
    }
  });

  it("round-trips random values of every magnitude", () => {
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) | 0) >>> 0) / 2 ** 32;
    for (let i = 0; i < 5000; i++) {
      const magnitude = 2 ** Math.floor(rand() * 54);
      const v = Math.floor(rand() * magnitude) * (rand() < 0.5 ? -1 : 1) || 0;
      const bytes = varlong(v);
      expect(bytes.length).toBe(sizeOfVarlong(v));
      expect(readVarlong(Uint8Array.from(bytes), { pos: 0 })).toBe(v);
    }
  });

  it("writes int32-range values exactly like varint (Kafka reads both the same way)", () => {
    for (const v of INT32_CASES) expect(varlong(v)).toEqual(varint(v));
  });

  it("uses 6 bytes for ±2^40 and 8 for 2^53-1", () => {
    expect(sizeOfVarlong(2 ** 40)).toBe(6); // zigzag 2^41: 42 bits
    expect(sizeOfVarlong(-(2 ** 40))).toBe(6); // zigzag 2^41-1: 41 bits
    expect(sizeOfVarlong(Number.MAX_SAFE_INTEGER)).toBe(8); // zigzag 2^54-2: 54 bits
  });

  it("rejects unsafe values on write and on read", () => {
    const buf = new Uint8Array(10);
    expect(() => writeVarlong(buf, 0, 2 ** 53)).toThrow(RangeError);
    expect(() => writeVarlong(buf, 0, 0.5)).toThrow(RangeError);
    // zigzag(2^53) = 2^54: bytes 80 80 80 80 80 80 80 80 40 — valid Kafka, beyond a safe number.
    const big = Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40);
    expect(() => readVarlong(big, { pos: 0 })).toThrow(/2\^53/);
    expect(() => readVarlong(Uint8Array.of(0xff, 0xff), { pos: 0 })).toThrow(/truncated/);
    const tooLong = new Uint8Array(11).fill(0x80);
    tooLong[10] = 0x01;
    expect(() => readVarlong(tooLong, { pos: 0 })).toThrow(/10 bytes/);
  });
});
