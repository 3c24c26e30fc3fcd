// The fetch page rendered by the WebAssembly core (fetch-page-wasm.ts, assembly/page.ts) against
// the JS page writers alone: for every page — any key, value and headers, from any offset, up to
// any max_records, plain, compressed, control and LogAppendTime batches, large offsets and
// timestamps — the bytes, count, next and stopped must be the same, and a malformed batch must
// throw the same error.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { LogCore } from "../../core/batch/log-core.ts";
import type { Header } from "../../core/batch/record-batch.ts";
import { CODEC_GZIP } from "../../core/compression/index.ts";
import { batch, stores, text } from "../../../test/core-support/record-stores.ts";
import { JsonPageWriter } from "./fetch-body.ts";
import { BULK_FALLBACK, walkRecords } from "./fetch-records.ts";
import { WasmPageRenderer } from "./fetch-page-wasm.ts";
import { MsgpackPageWriter } from "./msgpack-page.ts";
import { concatBytes } from "../../core/bytes.ts";

const meta = { next_offset: 7, high_watermark: 8, log_start_offset: 0 };
let core: LogCore;
/** Records the module rendered and records it left to the JS writer, over a test. */
const tally = { wasm: 0, js: 0 };

class Counting extends WasmPageRenderer {
  override render(pos: number, index: number, from: number, room: number): number {
    const status = super.render(pos, index, from, room);
    tally.wasm += this.rendered;
    if (status === BULK_FALLBACK) tally.js++;
    return status;
  }
}

beforeAll(async () => {
  core = await LogCore.instantiate(readFileSync(new URL("../../../build/edgebroker.wasm", import.meta.url)));
});

type Outcome = { page: Uint8Array; walked: ReturnType<typeof walkRecords> } | { error: string };

function render(stored: Uint8Array, from: number, max: number, format: "json" | "msgpack", wasm: boolean, bound?: number): Outcome {
  const page = format === "json" ? new JsonPageWriter() : new MsgpackPageWriter();
  try {
    const walked = walkRecords(stored, from, max, page, bound, wasm ? new Counting(core, page) : undefined);
    return { page: page.finish(meta), walked };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The WASM path gives what the JS writers give; returns the outcome. */
function same(stored: Uint8Array, from: number, max: number, bound?: number): Outcome[] {
  const outcomes: Outcome[] = [];
  for (const format of ["json", "msgpack"] as const) {
    const js = render(stored, from, max, format, false, bound);
    const wasm = render(stored, from, max, format, true, bound);
    if ("error" in js) expect(wasm, format).toEqual(js);
    else {
      expect("error" in wasm ? wasm.error : wasm.walked, format).toEqual(js.walked);
      if (!("error" in wasm) && !Buffer.from(wasm.page).equals(Buffer.from(js.page))) {
        expect(Buffer.from(wasm.page).toString("latin1"), format).toBe(Buffer.from(js.page).toString("latin1"));
      }
    }
    outcomes.push(js);
  }
  return outcomes;
}

describe("the WebAssembly page renderer", () => {
  it("writes the JS writers' page, from any offset, up to any max_records", () => {
    let pages = 0;
    tally.wasm = tally.js = 0;
    fc.assert(
      fc.property(stores, fc.nat(40), fc.integer({ min: 1, max: 40 }), ({ bytes, base, end }, fromRaw, max) => {
        const from = base + (fromRaw % (end - base + 1));
        // Only a batch at or past 2^53 is refused (by the shared header reader).
        if (same(bytes, from, max).every((o) => !("error" in o))) pages++;
        else expect(end).toBeGreaterThanOrEqual(2 ** 53);
      }),
      { numRuns: 1500 },
    );
    expect(pages).toBeGreaterThan(1000);
    // Both paths are taken thousands of times (the generators favour what the module leaves to JS).
    expect(tally.wasm).toBeGreaterThan(1000);
    expect(tally.js).toBeGreaterThan(1000);
  });

  it("throws the JS walk's error for a malformed batch, and writes its page when a change leaves the batch readable", () => {
    let errors = 0;
    fc.assert(
      fc.property(
        stores,
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 40 }),
        ({ bytes, base }, changes, max) => {
          const stored = bytes.slice();
          for (const [at, b] of changes) if (stored.length > 0) stored[at % stored.length] = b;
          if (same(stored, base, max).some((o) => "error" in o)) errors++;
        },
      ),
      { numRuns: 1500 },
    );
    expect(errors).toBeGreaterThan(100);
  });

  it("truncated and extended records sections throw the same errors", () => {
    const stored = batch(
      Array.from({ length: 20 }, (_, i) => ({ key: null, value: text(`{"n":${i}}`), headers: [], timestamp: i })),
      0,
      0,
      0,
    );
    for (let cut = 62; cut < stored.length; cut += 3) {
      const bytes = stored.slice(0, cut);
      new DataView(bytes.buffer).setInt32(8, cut - 12); // batchLength: the section ends early
      const [json] = same(bytes, 0, 100);
      expect(json).toHaveProperty("error");
    }
  });

  it("renders a section larger than its output region in pieces, and a record larger than the region in JS", () => {
    const value = text(JSON.stringify("v".repeat(1000)));
    const many = batch(
      Array.from({ length: 3000 }, (_, i) => ({ key: text(`k${i}`), value, headers: [], timestamp: i })),
      0,
      0,
      0,
    );
    const huge = batch([{ key: null, value: new Uint8Array(2_500_000).fill(7), headers: [], timestamp: 1 }], 3000, 0, 0);
    const stored = concatBytes([many, huge]);
    for (const outcome of same(stored, 0, 5000)) expect(outcome).not.toHaveProperty("error");
    same(stored, 1500, 1000);
  });

  it("agrees across long runs of records left to the JS writer (headers) and of common ones", () => {
    const value = text('{"v":1}');
    const records = Array.from({ length: 400 }, (_, i) => ({
      key: i % 5 === 0 ? null : text(`k${i}`),
      value,
      headers: (i >= 10 && i < 120) || i % 37 === 0 ? [["h", text(String(i))] as Header] : [],
      timestamp: i,
    }));
    const stored = batch(records, 0, 0, 0);
    for (const [from, max] of [
      [0, 1000],
      [15, 1000],
      [0, 100],
      [50, 90],
    ] as const) {
      for (const outcome of same(stored, from, max)) expect(outcome).not.toHaveProperty("error");
    }
  });

  it("agrees under the decompression bound", () => {
    const value = text("y".repeat(1000));
    const records = (n: number) => Array.from({ length: n }, (_, i) => ({ key: null, value, headers: [], timestamp: i }));
    const stored = concatBytes([batch(records(10), 0, CODEC_GZIP, 0), batch(records(10), 10, CODEC_GZIP, 0), batch(records(10), 20, 0, 0)]);
    same(stored, 0, 1000, 15_000);
    same(stored, 5, 1000, 15_000);
  });
});
