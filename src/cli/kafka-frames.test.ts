import { describe, expect, it } from "vitest";
import { FrameSplitter } from "./kafka-frames.ts";

const frame = (...payload: number[]) => new Uint8Array([0, 0, 0, payload.length, ...payload]);

describe("FrameSplitter", () => {
  it("yields whole frames however the stream is chunked", () => {
    const stream = new Uint8Array([...frame(1, 2), ...frame(), ...frame(3)]);
    for (const size of [1, 2, 3, 5, stream.length]) {
      const s = new FrameSplitter(16);
      const out: number[][] = [];
      for (let i = 0; i < stream.length; i += size) out.push(...s.push(stream.subarray(i, i + size)).map((f) => [...f]));
      expect(out).toEqual([[0, 0, 0, 2, 1, 2], [0, 0, 0, 0], [0, 0, 0, 1, 3]]);
    }
  });

  it("refuses a frame over the limit or with a negative size", () => {
    expect(() => new FrameSplitter(16).push(new Uint8Array([0, 0, 0, 17]))).toThrow(/outside/);
    expect(() => new FrameSplitter(16).push(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toThrow(/outside/);
  });
});
