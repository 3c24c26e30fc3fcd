// Codec adapters against reference implementations (fixtures from the gzip, lz4 and zstd CLIs
// and libsnappy; Node's zlib for gzip and zstd at run time), decompression bombs per codec, and
// corrupt input: whatever the bytes, the only failure is a DecompressionError.
import { constants, gzipSync, zstdCompressSync } from "node:zlib";
import fc from "fast-check";
import { compress as lz4jsCompress } from "lz4js";
import { compress as snappyjsCompress } from "snappyjs";
import { describe, expect, it } from "vitest";
import * as fixtures from "../../../test/core-support/compression-fixtures.ts";
import { fixturePlainBatch } from "../../../test/core-support/compressed-batch.ts";
import { compressRecords, decompressRecords, DecompressionError, MAX_DECOMPRESSED_BYTES } from "./index.ts";

const b64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));
const records = fixturePlainBatch().subarray(61);

const FIXTURES: Array<[string, number, string]> = [
  ["gzip", 1, fixtures.gzip],
  ["snappy raw", 2, fixtures.snappyRaw],
  ["snappy xerial", 2, fixtures.snappyXerial],
  ["lz4 linked blocks + content size", 3, fixtures.lz4],
  ["lz4 independent blocks + block checksums", 3, fixtures.lz4Independent],
  ["zstd -19", 4, fixtures.zstd],
  ["zstd --no-check", 4, fixtures.zstdNoCheck],
];

function refusal(fn: () => unknown): DecompressionError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecompressionError) return e;
    throw e;
  }
  throw new Error("expected a DecompressionError");
}

describe("reference vectors", () => {
  it.each(FIXTURES)("%s decompresses to the records section", (_name, codec, data) => {
    expect(decompressRecords(codec, b64(data))).toEqual(records);
  });

  it("gzip from Node's zlib (several members concatenated, as Java's GZIPInputStream reads)", () => {
    const half = records.length >> 1;
    const two = Buffer.concat([gzipSync(records.subarray(0, half)), gzipSync(records.subarray(half))]);
    expect(decompressRecords(1, new Uint8Array(two))).toEqual(records);
  });

  it("zstd from Node's zlib (libzstd)", () => {
    expect(decompressRecords(4, new Uint8Array(zstdCompressSync(records)))).toEqual(records);
  });

  it("the compressors round-trip (gzip, snappy) and lz4/zstd have none", () => {
    expect(decompressRecords(1, compressRecords(1, records)!)).toEqual(records);
    expect(decompressRecords(2, compressRecords(2, records)!)).toEqual(records);
    expect(compressRecords(3, records)).toBeNull();
    expect(compressRecords(4, records)).toBeNull();
  });

  it("codecs 5-7 do not exist", () => {
    for (const codec of [5, 6, 7]) expect(refusal(() => decompressRecords(codec, records)).reason).toBe("unsupported_compression");
  });
});

describe("decompression bombs are refused at the limit", () => {
  const limit = 1 << 20;
  const zeros = new Uint8Array(8 << 20);
  const bombs: Array<[string, number, Uint8Array]> = [
    ["gzip", 1, new Uint8Array(gzipSync(zeros, { level: 9 }))],
    ["snappy raw", 2, snappyjsCompress(zeros)],
    ["lz4", 3, lz4jsCompress(zeros)],
    ["zstd", 4, new Uint8Array(zstdCompressSync(zeros, { params: { [constants.ZSTD_c_compressionLevel]: 19 } }))],
  ];

  it.each(bombs)("%s: 8 MiB of zeros against a 1 MiB limit", (name, codec, bomb) => {
    expect(bomb.length).toBeLessThan(limit); // a bomb: small in, large out
    const e = refusal(() => decompressRecords(codec, bomb, limit));
    expect(e.reason).toBe("decompression_limit");
    expect(e.message).toContain(`limit of ${limit} bytes`);
    const whole = decompressRecords(codec, bomb, zeros.length); // the same bytes fit a larger limit
    expect(Buffer.compare(whole, zeros)).toBe(0);
  });

  it("snappy xerial: each chunk fits, their sum does not", () => {
    const chunk = snappyjsCompress(new Uint8Array(512 << 10));
    const parts = [new Uint8Array([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1])];
    for (let i = 0; i < 4; i++) {
      const len = new Uint8Array(4);
      new DataView(len.buffer).setUint32(0, chunk.length);
      parts.push(len, chunk as Uint8Array<ArrayBuffer>);
    }
    expect(refusal(() => decompressRecords(2, new Uint8Array(Buffer.concat(parts)), limit)).reason).toBe("decompression_limit");
  });

  it("declared sizes past the limit are refused before anything is allocated", () => {
    // snappy: the varint uncompressed length says 2^31 - 1.
    expect(refusal(() => decompressRecords(2, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x07, 0]))).reason).toBe("decompression_limit");
    // lz4: a frame whose content size field says 1 TiB.
    const lz4 = new Uint8Array([0x04, 0x22, 0x4d, 0x18, 0x68, 0x40, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(refusal(() => decompressRecords(3, lz4)).reason).toBe("decompression_limit");
    // zstd: a frame whose window descriptor says 2 GiB (fzstd would allocate the whole window).
    const zstd = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa8, 0x01, 0x00, 0x00]);
    expect(refusal(() => decompressRecords(4, zstd)).reason).toBe("decompression_limit");
    // zstd: three frames of one byte each, each declaring an 8 MiB window (windowLog 23): their
    // windows add up past the 16 MiB limit though the output would be 3 bytes.
    const frame = [0x28, 0xb5, 0x2f, 0xfd, 0x00, (23 - 10) << 3, 0x09, 0x00, 0x00, 0x61];
    expect(decompressRecords(4, new Uint8Array([...frame, ...frame]))).toEqual(new Uint8Array([0x61, 0x61]));
    const three = new Uint8Array([...frame, ...frame, ...frame]);
    expect(refusal(() => decompressRecords(4, three, MAX_DECOMPRESSED_BYTES)).reason).toBe("decompression_limit");
  });
});

describe("corrupt input is a DecompressionError, never another exception", () => {
  it.each(FIXTURES)("%s: truncated", (_name, codec, data) => {
    const bytes = b64(data);
    for (const cut of [0, 1, 7, 20, bytes.length >> 1, bytes.length - 1]) {
      expect(refusal(() => decompressRecords(codec, bytes.subarray(0, cut))).reason).toMatch(/corrupt_compression|decompression_limit/);
    }
  });

  it.each(FIXTURES)("%s: random byte changes", (_name, codec, data) => {
    const original = b64(data);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(original.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
        const bytes = original.slice();
        for (const [at, v] of edits) bytes[at] = v;
        try {
          decompressRecords(codec, bytes, 1 << 20);
        } catch (e) {
          if (!(e instanceof DecompressionError)) throw e;
        }
      }),
      { numRuns: 150 },
    );
  });
});
