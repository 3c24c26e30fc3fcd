// The RecordBatch v2 codec against kafkajs 2.2.4 (test-only reference): our bytes through kafkajs's
// RecordBatch decoder (the one its Fetch v4+ responses use), kafkajs's encoder through decodeRecords,
// and byte-for-byte equality when both are given the same header fields.
import { describe, expect, it } from "vitest";
import {
  decodeRecords,
  encodeBatch,
  encodedSize,
  encodeSpans,
  NULL_SPAN,
  readBatchHeader,
  type DecodedRecord,
  type RecordInput,
} from "./record-batch.ts";

async function loadCjs<T>(specifier: string): Promise<T> {
  return ((await import(specifier)) as { default: T }).default;
}
const KJS = "kafkajs/src/protocol";
interface KafkaRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | Array<Buffer | null>>;
}
interface KafkaBatch {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  partitionLeaderEpoch: number;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  records: KafkaRecord[];
}
type KafkaHeaders = Record<string, Buffer | Buffer[]>;
const { RecordBatch } = await loadCjs<{ RecordBatch: (args: object) => Promise<{ buffer: Buffer }> }>(`${KJS}/recordBatch/v0/index.js`);
const Record = await loadCjs<(args: object) => unknown>(`${KJS}/recordBatch/record/v0/index.js`);
const RecordBatchDecoder = await loadCjs<(decoder: unknown) => Promise<KafkaBatch>>(`${KJS}/recordBatch/v0/decoder.js`);
const Decoder = await loadCjs<new (b: Buffer) => unknown>(`${KJS}/decoder.js`);
const kafkaCrc32c = await loadCjs<(b: Buffer) => number>(`${KJS}/recordBatch/crc32C/index.js`);

/** Bitwise CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), independent of kafkajs's table. */
function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i];
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const utf8 = new TextEncoder();
const T0 = 1_700_000_000_000;

function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function bytesOf(rand: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}
const HEADER_KEYS = ["trace-id", "content-type", "", "ключ", "日本", "emoji-😀", "x".repeat(40)];
/** Random records; `kafkajsSafe` keeps to what kafkajs's encoder can express (see kafkajsEncode). */
function randomRecords(count: number, seed: number, kafkajsSafe: boolean): RecordInput[] {
  const rand = rng(seed);
  return Array.from({ length: count }, () => {
    const headers: Array<[string, Uint8Array | null]> = [];
    const keys = [...HEADER_KEYS];
    for (let h = Math.floor(rand() * 4); h > 0; h--) {
      const key = kafkajsSafe ? keys.splice(Math.floor(rand() * keys.length), 1)[0] : HEADER_KEYS[Math.floor(rand() * 7)];
      headers.push([key, !kafkajsSafe && rand() < 0.2 ? null : bytesOf(rand, Math.floor(rand() * 20))]);
    }
    return {
      key: rand() < 0.3 ? null : bytesOf(rand, Math.floor(rand() * 64)),
      value: rand() < 0.1 ? null : bytesOf(rand, Math.floor(rand() * 300)),
      headers,
      // Out of order, sometimes far apart, so deltas are negative and need wide varlongs.
      timestamp: T0 + Math.floor((rand() - 0.5) * (rand() < 0.1 ? 2 ** 41 : 10_000)),
    };
  });
}

interface Fields {
  baseOffset: number;
  partitionLeaderEpoch: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}
const JAVA_DEFAULTS: Fields = { baseOffset: 0, partitionLeaderEpoch: -1, producerId: -1, producerEpoch: -1, baseSequence: -1 };

/**
 * kafkajs's RecordBatch + Record encoders driven with the same fields as ours. Its produce request
 * derives firstTimestamp from the *sorted* timestamps (and sorts them as strings), so it is bypassed
 * here to give it our semantics: firstTimestamp = first record's. Headers are a plain object, so
 * kafkajs cannot write a null header value (Buffer.byteLength(null) throws) and groups repeated
 * keys; integer-like keys would also be reordered by JS property order.
 */
async function kafkajsEncode(records: RecordInput[], f: Fields): Promise<Buffer> {
  const first = records[0].timestamp;
  const kafkaRecords = records.map((r, i) => {
    const headers: KafkaHeaders = {};
    for (const [k, v] of r.headers) {
      const b = Buffer.from(v!);
      const prev = headers[k];
      headers[k] = prev === undefined ? b : Array.isArray(prev) ? [...prev, b] : [prev, b];
    }
    const buf = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b));
    return Record({ offsetDelta: i, timestampDelta: r.timestamp - first, key: buf(r.key), value: buf(r.value), headers });
  });
  const batch = await RecordBatch({
    firstOffset: f.baseOffset,
    firstTimestamp: first,
    maxTimestamp: Math.max(...records.map((r) => r.timestamp)),
    partitionLeaderEpoch: f.partitionLeaderEpoch,
    lastOffsetDelta: records.length - 1,
    producerId: f.producerId,
    producerEpoch: f.producerEpoch,
    firstSequence: f.baseSequence,
    records: kafkaRecords,
  });
  return batch.buffer;
}

async function kafkajsDecode(bytes: Uint8Array): Promise<KafkaBatch> {
  return RecordBatchDecoder(new Decoder(Buffer.from(bytes)));
}

const hex = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString("hex"));
/** What decodeRecords should return for `records` at `baseOffset`, in comparable form. */
function expected(records: RecordInput[], baseOffset: number) {
  return records.map((r, i) => ({
    offset: baseOffset + i,
    timestamp: r.timestamp,
    key: hex(r.key),
    value: hex(r.value),
    headers: r.headers.map(([k, v]) => [new TextDecoder().decode(utf8.encode(k)), hex(v)]),
  }));
}
const comparable = (decoded: DecodedRecord[]) =>
  decoded.map((d) => ({ ...d, key: hex(d.key), value: hex(d.value), headers: d.headers.map(([k, v]) => [k, hex(v)]) }));

const CASES: Array<[string, () => RecordInput[], number]> = [
  ["one simple record", () => [{ key: utf8.encode("k"), value: utf8.encode("v"), headers: [], timestamp: T0 }], 0],
  [
    "null and empty keys/values",
    () => [
      { key: null, value: null, headers: [], timestamp: T0 },
      { key: new Uint8Array(0), value: new Uint8Array(0), headers: [], timestamp: T0 + 1 },
      { key: null, value: utf8.encode("x"), headers: [["h", new Uint8Array(0)]], timestamp: T0 + 2 },
    ],
    7,
  ],
  ["random records, headers, out-of-order timestamps", () => randomRecords(200, 1, true), 1_234_567_890_123],
  ["1,000 records", () => randomRecords(1000, 2, true), 42],
  [
    "100 KB values",
    () => [0, 1, 2].map((i) => ({ key: utf8.encode(`k${i}`), value: bytesOf(rng(i), 100_000), headers: [], timestamp: T0 - i * 5 })),
    99,
  ],
];

describe("encodeBatch against kafkajs", () => {
  it("the test's CRC-32C matches the published check value and kafkajs", () => {
    expect(crc32c(utf8.encode("123456789"))).toBe(0xe3069283);
    const data = bytesOf(rng(5), 4096);
    expect(crc32c(data)).toBe(kafkaCrc32c(Buffer.from(data)));
  });

  for (const [name, make, baseOffset] of CASES) {
    it(`is byte-for-byte identical to kafkajs given the same fields: ${name}`, async () => {
      const records = make();
      const f = { ...JAVA_DEFAULTS, baseOffset };
      const ours = encodeBatch(records, { crc32c, ...f });
      expect(Buffer.from(ours).equals(await kafkajsEncode(records, f))).toBe(true);
      expect(ours.length).toBe(encodedSize(records));
    });

    it(`decodes with kafkajs's RecordBatch decoder: ${name}`, async () => {
      const records = make();
      const ours = encodeBatch(records, { crc32c, baseOffset, producerId: 77, producerEpoch: 3, baseSequence: 10 });
      const batch = await kafkajsDecode(ours);
      expect(batch.firstOffset).toBe(String(baseOffset));
      expect(batch.lastOffsetDelta).toBe(records.length - 1);
      expect(batch.firstTimestamp).toBe(String(records[0].timestamp));
      expect(batch.maxTimestamp).toBe(String(Math.max(...records.map((r) => r.timestamp))));
      expect([batch.partitionLeaderEpoch, batch.producerId, batch.producerEpoch, batch.firstSequence]).toEqual([-1, "77", 3, 10]);
      // kafkajs never checks the CRC; check it here against kafkajs's own CRC-32C.
      expect(Buffer.from(ours).readUInt32BE(17)).toBe(kafkaCrc32c(Buffer.from(ours.subarray(21))));
      const want = expected(records, baseOffset);
      expect(
        batch.records.map((r) => ({ offset: Number(r.offset), timestamp: Number(r.timestamp), key: hex(r.key), value: hex(r.value) })),
      ).toEqual(want.map(({ offset, timestamp, key, value }) => ({ offset, timestamp, key, value })));
      batch.records.forEach((r, i) => {
        expect(Object.entries(r.headers).map(([k, v]) => [k, hex(v as Buffer)])).toEqual(want[i].headers);
      });
    });

    it(`decodeRecords reads kafkajs's encoding: ${name}`, async () => {
      const records = make();
      const theirs = await kafkajsEncode(records, {
        baseOffset,
        partitionLeaderEpoch: 0,
        producerId: -1,
        producerEpoch: 0,
        baseSequence: 0,
      });
      expect(comparable(decodeRecords(new Uint8Array(theirs)))).toEqual(expected(records, baseOffset));
    });
  }

  it("differs from kafkajs's defaults only in partitionLeaderEpoch, producerEpoch and baseSequence", async () => {
    // kafkajs defaults partitionLeaderEpoch 0, producerEpoch 0, firstSequence 0; Java writes -1 for all.
    const records = randomRecords(10, 3, true);
    const ours = encodeBatch(records, { crc32c });
    const theirs = await kafkajsEncode(records, {
      baseOffset: 0,
      partitionLeaderEpoch: 0,
      producerId: -1,
      producerEpoch: 0,
      baseSequence: 0,
    });
    const differing = [...ours.keys()].filter((i) => ours[i] !== theirs[i]);
    const crcBytes = [17, 18, 19, 20];
    expect(differing.filter((i) => !crcBytes.includes(i))).toEqual([12, 13, 14, 15, 51, 52, 53, 54, 55, 56]);
  });

  it("passes null header values and repeated header keys through to kafkajs", async () => {
    const records: RecordInput[] = [
      {
        key: null,
        value: null,
        headers: [
          ["a", null],
          ["b", utf8.encode("1")],
          ["a", utf8.encode("2")],
        ],
        timestamp: T0,
      },
    ];
    const [r] = (await kafkajsDecode(encodeBatch(records, { crc32c }))).records;
    expect(r.headers).toEqual({ a: [null, Buffer.from("2")], b: Buffer.from("1") });
  });
});

describe("decodeRecords", () => {
  const a = randomRecords(5, 10, false);
  const b = randomRecords(3, 11, false);
  const batchA = encodeBatch(a, { crc32c, baseOffset: 100 });
  const batchB = encodeBatch(b, { crc32c, baseOffset: 105 });
  const both = new Uint8Array(batchA.length + batchB.length);
  both.set(batchA);
  both.set(batchB, batchA.length);

  it("reads concatenated batches with null header values and repeated keys, in order", () => {
    expect(comparable(decodeRecords(both))).toEqual([...expected(a, 100), ...expected(b, 105)]);
  });

  it("returns subarrays of the input, not copies", () => {
    const decoded = decodeRecords(both);
    for (const r of decoded) for (const part of [r.key, r.value]) if (part) expect(part.buffer).toBe(both.buffer);
  });

  it("reads a batch at a non-zero byteOffset of a larger buffer", () => {
    const padded = new Uint8Array(batchA.length + 9);
    padded.set(batchA, 5);
    expect(comparable(decodeRecords(padded.subarray(5, 5 + batchA.length)))).toEqual(expected(a, 100));
  });

  it("uses maxTimestamp for every record of a LogAppendTime batch", () => {
    const copy = batchA.slice();
    copy[22] |= 0x08;
    const max = Math.max(...a.map((r) => r.timestamp));
    expect(decodeRecords(copy).map((r) => r.timestamp)).toEqual(a.map(() => max));
  });

  it("skips control batches and decodes an empty batch to nothing", () => {
    const control = batchA.slice();
    control[22] |= 0x20;
    expect(decodeRecords(control)).toEqual([]);
    expect(decodeRecords(encodeBatch([], { crc32c }))).toEqual([]);
  });

  it("throws clear errors on malformed input", () => {
    const tamper = (at: number, v: number) => {
      const c = batchA.slice();
      c[at] = v;
      return c;
    };
    expect(() => decodeRecords(batchA.subarray(0, 40))).toThrow(/truncated header/);
    expect(() => decodeRecords(batchA.subarray(0, batchA.length - 1))).toThrow(/runs past the end/);
    expect(() => decodeRecords(tamper(16, 1))).toThrow(/magic 1/);
    expect(() => decodeRecords(tamper(0, 0x7f))).toThrow(/baseOffset at byte 0 exceeds 2\^53/);
    expect(() => decodeRecords(tamper(22, 1))).toThrow(/gzip records do not decompress/); // plain records marked gzip
    expect(() => decodeRecords(tamper(60, 4))).toThrow(/record|bytes left/); // recordCount 5 -> 4
    expect(() => decodeRecords(tamper(60, 6))).toThrow(/record at byte|truncated|runs past/); // 6 claimed, 5 present
    expect(() => decodeRecords(tamper(61, batchA[61] + 2))).toThrow(/record at byte 61/); // first record's length
    const short = batchA.slice();
    new DataView(short.buffer).setInt32(8, 20);
    expect(() => decodeRecords(short)).toThrow(/below the minimum/);
  });
});

describe("readBatchHeader", () => {
  it("reads every header field", () => {
    const records = randomRecords(4, 20, false);
    const bytes = encodeBatch(records, { crc32c, baseOffset: 2 ** 40, producerId: 9, producerEpoch: 2, baseSequence: 17 });
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(readBatchHeader(padded, 3)).toEqual({
      baseOffset: 2 ** 40,
      batchLength: bytes.length - 12,
      size: bytes.length,
      lastOffsetDelta: 3,
      recordCount: 4,
      firstTimestamp: records[0].timestamp,
      maxTimestamp: Math.max(...records.map((r) => r.timestamp)),
      producerId: 9,
      producerEpoch: 2,
      baseSequence: 17,
      attributes: 0,
    });
  });

  it("reports Java's defaults and an empty batch's NO_TIMESTAMP", () => {
    const h = readBatchHeader(encodeBatch([], { crc32c }), 0);
    expect(h).toMatchObject({
      size: 61,
      recordCount: 0,
      lastOffsetDelta: -1,
      firstTimestamp: -1,
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
    });
  });
});

describe("encodedSize", () => {
  it("equals encodeBatch(...).length on random inputs", () => {
    for (let seed = 0; seed < 200; seed++) {
      const records = randomRecords(Math.floor(rng(seed)() * 30), seed, seed % 2 === 0);
      expect(encodedSize(records)).toBe(encodeBatch(records, { crc32c }).length);
    }
  });

  it("counts header keys as TextEncoder encodes them, lone surrogates included", () => {
    const keys = ["a", "é", "€", "😀", "\ud800", "x\udc00y", "\ud83d\ude00\ud83d", "\u07ff\u0800\uffff"];
    const records: RecordInput[] = keys.map((k, i) => ({ key: null, value: null, headers: [[k, null]], timestamp: T0 + i }));
    const decoded = decodeRecords(encodeBatch(records, { crc32c }));
    expect(encodedSize(records)).toBe(encodeBatch(records, { crc32c }).length);
    expect(decoded.map((r) => r.headers[0][0])).toEqual(keys.map((k) => new TextDecoder().decode(utf8.encode(k))));
  });

  it("rejects timestamps that are not safe integers", () => {
    const bad: RecordInput[] = [{ key: null, value: null, headers: [], timestamp: 1.5 }];
    expect(() => encodedSize(bad)).toThrow(RangeError);
    expect(() => encodeBatch(bad, { crc32c })).toThrow(RangeError);
  });
});

describe("encodeSpans", () => {
  it("gives encodeBatch's bytes for records whose values are spans of one buffer", () => {
    for (let seed = 0; seed < 100; seed++) {
      const random = rng(seed);
      // Values of every length class (varint of 1, 2 and 3 bytes), nulls and empty ones, at any
      // place in a source with other bytes between them; up to 300 records (offsetDelta ≥ 128).
      const n = 1 + Math.floor(random() * 300);
      const lengths = Array.from({ length: n }, () => {
        const r = random();
        return r < 0.1 ? -1 : r < 0.15 ? 0 : r < 0.99 ? Math.floor(random() * 200) : Math.floor(random() * 20_000);
      });
      const source = new Uint8Array(lengths.reduce((a, l) => a + Math.max(0, l) + 3, 0));
      for (let i = 0; i < source.length; i++) source[i] = Math.floor(random() * 256);
      const spans = new Int32Array(2 * n);
      let at = 0;
      lengths.forEach((l, i) => {
        at += Math.floor(random() * 3);
        spans[2 * i] = l < 0 ? NULL_SPAN : at;
        spans[2 * i + 1] = l < 0 ? 0 : at + l;
        at += Math.max(0, l);
      });
      const timestamp = T0 + seed;
      const records: RecordInput[] = lengths.map((l, i) => ({
        key: null,
        value: l < 0 ? null : source.subarray(spans[2 * i]!, spans[2 * i + 1]!),
        headers: [],
        timestamp,
      }));
      const opts = { crc32c, baseOffset: seed, producerId: seed % 3 === 0 ? 7 : -1, attributes: seed % 5 === 0 ? 0x10 : 0 };
      expect(encodeSpans(source, spans, timestamp, opts)).toEqual(encodeBatch(records, opts));
    }
  });

  it("is the same past the size of the buffer it reuses, and for a source that is a view", () => {
    // 10 MB of source and batch: more than encodeSpans keeps between calls (4 MB); then smaller ones.
    for (const [n, length] of [
      [3, 1_700_000],
      [2, 300_000], // grows the reused buffer
      [2, 10],
    ] as const) {
      const backing = new Uint8Array(7 + n * length);
      for (let i = 0; i < backing.length; i++) backing[i] = (i * 31) & 0xff;
      const source = backing.subarray(7);
      const spans = new Int32Array(2 * n);
      for (let i = 0; i < n; i++) [spans[2 * i], spans[2 * i + 1]] = [i * length, (i + 1) * length];
      const records: RecordInput[] = Array.from({ length: n }, (_, i) => ({
        key: null,
        value: source.subarray(i * length, (i + 1) * length),
        headers: [],
        timestamp: T0,
      }));
      expect(encodeSpans(source, spans, T0, { crc32c })).toEqual(encodeBatch(records, { crc32c }));
    }
  });
});
