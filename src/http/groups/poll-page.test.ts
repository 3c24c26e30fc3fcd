// A group poll's answer written off the stored batches (poll-page.ts) against the object path it
// replaced, kept here as the reference: decodePage → DecodedRecord[] → jsonRecord / msgpackRecord
// with {topic, partition} first → JSON.stringify / @msgpack/msgpack (respond()). For polls over
// several partitions — any key, value and headers, from any offset, any max_records shared by
// shareBudget, plain, compressed, control and LogAppendTime batches, large offsets, with and
// without the WebAssembly renderer — the answer bytes, the offsets each partition moves to and
// the bytes charged must be the same; a malformed partition is withheld by both. One rule of the
// fetch route's pages is the reference's too: a value whose stored bytes are JSON text is placed
// as those bytes (fetch-body.ts), where jsonRecord's JSON.stringify re-wrote its layout and
// numbers; MessagePack answers are the object path's exactly.
import { readFileSync } from "node:fs";
import { encode } from "@msgpack/msgpack";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { LogCore } from "../../core/batch/log-core.ts";
import { decodePage, type DecodedRecord } from "../../core/batch/record-batch.ts";
import { JSON_TEXT, jsonVerdict } from "../log/json-validator.ts";
import { jsonRecord, msgpackRecord } from "../log/record-view.ts";
import { batch, stores, text } from "../../../test/core-support/record-stores.ts";
import type { Fetched } from "./fetch.ts";
import { shareBudget } from "./fetch.ts";
import { type PollSlice, type ReadPage, readPage, renderPoll } from "./poll-page.ts";
import { concatBytes } from "../../core/bytes.ts";

let core: LogCore;
beforeAll(async () => {
  core = await LogCore.instantiate(readFileSync(new URL("../../../build/edgebroker.wasm", import.meta.url)));
});

interface Part {
  topic: string;
  partition: number;
  bytes: Uint8Array;
  from: number;
}

const head = {
  member_id: "m-1",
  member_epoch: 3,
  group_epoch: 7,
  assignment: [{ topic: "t", partitions: [0, 1] }],
  pending: [],
  session_timeout_ms: 45_000,
};
const errorsTail = {
  partition_errors: [{ topic: "t", partition: 9, offset: 4, code: "corrupt_log", message: "x", first_offset: 0, last_offset: 3 }],
};

/** Each partition's share of `max`, as the poll route takes it (shareBudget over the records read). */
const share = (counts: number[], max: number) =>
  shareBudget(
    counts.map((n) => ({ page: { count: n } }) as unknown as Fetched),
    max,
  );

type Poll = { body: Uint8Array; next: number[]; bytes: number; withheld: boolean[]; ordered?: boolean };

const utf8 = new TextDecoder();
const placeholder = (n: number) => `\u0000v${n}\u0000`;

/** The object path (the poll route before poll-page.ts). */
function objects(kind: "json" | "msgpack", parts: Part[], max: number, tail: Record<string, unknown>): Poll {
  const read = parts.map((p) => {
    try {
      return decodePage(p.bytes, p.from, max).records;
    } catch {
      return undefined;
    }
  });
  const counts = share(
    read.map((r) => r?.length ?? 0),
    max,
  );
  const render = kind === "json" ? jsonRecord : msgpackRecord;
  const records: Array<Record<string, unknown>> = [];
  const placed: string[] = [];
  let bytes = 0;
  const next = parts.map((p, i) => {
    const taken: DecodedRecord[] = (read[i] ?? []).slice(0, counts[i]);
    for (const r of taken) {
      const shown = render(r, { topic: p.topic, partition: p.partition });
      if (kind === "json" && r.value !== null && jsonVerdict(r.value, 0, r.value.length) === JSON_TEXT) {
        shown.value = placeholder(placed.length);
        placed.push(utf8.decode(r.value));
      }
      records.push(shown);
      bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
    }
    return taken.length > 0 ? taken[taken.length - 1]!.offset + 1 : p.from;
  });
  const answer = { ...head, records, ...tail };
  const json = JSON.stringify(answer).replace(/"\\u0000v(\d+)\\u0000"/g, (_, n: string) => placed[Number(n)]!);
  const body = kind === "json" ? text(json) : encode(answer, { ignoreUndefined: true });
  // Offsets that fall within a batch (a changed offset delta): decodePage drops only the records
  // before `from` that lead the batch, the walk every one (the fetch route's rule).
  const ordered = read.every((r) => (r ?? []).every((x, j, all) => j === 0 || x.offset > all[j - 1]!.offset));
  return { body, next, bytes, withheld: read.map((r) => r === undefined), ordered };
}

/** The byte path: readPage at read time, renderPoll after the advance. */
function written(kind: "json" | "msgpack", parts: Part[], max: number, tail: Record<string, unknown>, wasm: boolean): Poll {
  const read = parts.map((p): ReadPage | undefined => {
    try {
      return readPage(p.bytes, p.from, max).page;
    } catch {
      return undefined;
    }
  });
  const counts = share(
    read.map((r) => r?.count ?? 0),
    max,
  );
  const slices: PollSlice[] = [];
  const next = parts.map((p, i) => {
    const page = read[i];
    if (page && counts[i]! > 0) slices.push({ topic: p.topic, partition: p.partition, page, count: counts[i]! });
    return page && counts[i]! > 0 ? page.offsetAt(counts[i]! - 1) + 1 : p.from;
  });
  const body = renderPoll(kind, wasm ? core : undefined, head, slices, tail);
  const bytes = slices.reduce((n, s) => n + s.page.bytesOf(s.count), 0);
  return { body, next, bytes, withheld: read.map((r) => r === undefined) };
}

/** Both paths agree; returns how many partitions were withheld. */
function same(parts: Part[], max: number): number {
  let withheld = 0;
  for (const kind of ["json", "msgpack"] as const) {
    for (const tail of [{}, errorsTail]) {
      const want = objects(kind, parts, max, tail);
      for (const wasm of [false, true]) {
        const got = written(kind, parts, max, tail, wasm);
        if (!want.ordered) continue;
        if (got.withheld.some((w, i) => w !== want.withheld[i])) {
          // The one difference: a malformed record past the max_records cut in the same batch.
          // decodePage decoded the whole batch; the walk stops at the cut, as the fetch route's
          // does, and the read that reaches that record withholds the partition.
          got.withheld.forEach((w, i) => {
            expect(w, "withheld by the walk but not by decodePage").toBe(want.withheld[i] && w);
            if (want.withheld[i] && !w) expect(() => readPage(parts[i]!.bytes, parts[i]!.from, Number.MAX_SAFE_INTEGER)).toThrow();
          });
          continue;
        }
        expect(got.next).toEqual(want.next);
        expect(got.bytes).toBe(want.bytes);
        if (!Buffer.from(got.body).equals(Buffer.from(want.body)))
          expect(Buffer.from(got.body).toString("latin1"), `${kind} wasm=${wasm}`).toBe(Buffer.from(want.body).toString("latin1"));
      }
      withheld += want.withheld.filter(Boolean).length;
    }
  }
  return withheld;
}

const topics = fc.constantFrom("t", "orders.v2", "a-b_c", "x".repeat(249));
const polls = fc.array(
  fc
    .record({ store: stores, topic: topics, partition: fc.nat(70_000), fromRaw: fc.nat(40) })
    .map(({ store, topic, partition, fromRaw }) => ({
      topic,
      partition,
      bytes: store.bytes,
      from: store.base + (fromRaw % (store.end - store.base + 1)),
      end: store.end,
    })),
  { minLength: 1, maxLength: 4 },
);

describe("a group poll's answer written off the stored batches", () => {
  it("is the object path's answer, byte for byte, for any partitions and max_records", () => {
    let answers = 0;
    fc.assert(
      fc.property(polls, fc.integer({ min: 1, max: 40 }), (parts, max) => {
        // Batches at or past 2^53 are refused by the shared header reader (both paths withhold them).
        if (same(parts, max) === 0) answers++;
        else expect(parts.some((p) => p.end >= 2 ** 53)).toBe(true);
      }),
      { numRuns: 600 },
    );
    expect(answers).toBeGreaterThan(300);
  });

  it("withholds what the object path withholds when stored bytes are changed", () => {
    let withheld = 0;
    fc.assert(
      fc.property(
        polls,
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 40 }),
        (parts, changes, max) => {
          const changed = parts.map((p) => ({ ...p, bytes: p.bytes.slice() }));
          const target = changed[0]!.bytes;
          for (const [at, b] of changes) if (target.length > 0) target[at % target.length] = b;
          withheld += same(changed, max);
        },
      ),
      { numRuns: 600 },
    );
    expect(withheld).toBeGreaterThan(50);
  });

  it("sizes the MessagePack records array for 15, 16 and 65,536 records, and renders big polls in pieces", () => {
    const value = text('{"v":1}');
    const records = (n: number, base: number) =>
      batch(
        Array.from({ length: n }, (_, i) => ({ key: i % 3 === 0 ? null : text(`k${base + i}`), value, headers: [], timestamp: base + i })),
        base,
        0,
        0,
      );
    for (const n of [15, 16, 65_536]) {
      const bytes = concatBytes([records(Math.ceil(n / 2), 0), records(Math.floor(n / 2), Math.ceil(n / 2))]);
      same(
        [
          { topic: "t", partition: 0, bytes, from: 0 },
          { topic: "u", partition: 1, bytes, from: 3 },
        ],
        n,
      );
    }
  });

  it("answers an empty poll as the object path does", () => {
    same([], 10);
    same([{ topic: "t", partition: 0, bytes: new Uint8Array(0), from: 5 }], 10);
  });
});
