// A group poll's answer written as bytes straight off the stored batches, as the fetch route
// writes its pages (src/http/log/fetch.ts), instead of DecodedRecord objects → jsonRecord /
// msgpackRecord objects → JSON.stringify / @msgpack/msgpack. Two walks per partition:
//   1. at read time (groups/fetch.ts) walkRecords with a ReadPage sink, which keeps only what the
//      coordinator needs — how many records, each one's offset (the `next` of a cut) and the
//      running key + value bytes (the charge) — and checks every record the answer may hold, so
//      a malformed one withholds the partition (partition_errors) before anything is advanced;
//   2. after the coordinator's `advance`, the records each partition may deliver (the budget's
//      share, from the same bytes) are rendered by the fetch page writers, the WebAssembly core
//      rendering the common ones (fetch-page-wasm.ts), each record opened with its topic and
//      partition (the `extra` jsonRecord / msgpackRecord put first), into one answer.
// The answer is byte for byte what respond() wrote over the objects (poll-page.test.ts), but for
// the fetch pages' one rule: a value whose stored bytes are JSON text is placed as those bytes
// (fetch-body.ts), where JSON.stringify re-wrote its layout; MessagePack answers are exact.
import { encode } from "@msgpack/msgpack";
import { type LogCore, PAGE_OPENER_CAP } from "../../core/batch/log-core.ts";
import type { DecodedRecord } from "../../core/batch/record-batch.ts";
import { JsonPageWriter } from "../log/fetch-body.ts";
import { WasmPageRenderer } from "../log/fetch-page-wasm.ts";
import { headersOf, type PageSink, type RecordAt, type Walked, walkRecords } from "../log/fetch-records.ts";
import { MsgpackPageWriter } from "../log/msgpack-page.ts";
import { concatBytes } from "../../core/bytes.ts";

const utf8 = new TextEncoder();

/** One partition's read: its batches from `from` on, and per record what the coordinator needs. */
export class ReadPage implements PageSink {
  readonly batches: Uint8Array;
  readonly from: number;
  count = 0;
  private offsets = new Float64Array(64);
  /** Key + value bytes of records 0 .. i. */
  private sizes = new Float64Array(64);
  private size = 0;

  constructor(batches: Uint8Array, from: number) {
    this.batches = batches;
    this.from = from;
  }

  addAt(r: RecordAt): void {
    const i = this.count++;
    if (i === this.offsets.length) {
      this.offsets = grow(this.offsets);
      this.sizes = grow(this.sizes);
    }
    this.size += Math.max(r.keyLen, 0) + Math.max(r.valueLen, 0);
    this.offsets[i] = r.offset;
    this.sizes[i] = this.size;
  }

  /** The offset of record `i` (0 ≤ i < count). */
  offsetAt(i: number): number {
    return this.offsets[i]!;
  }

  /** Key + value bytes of the first `n` records (what a delivery is charged). */
  bytesOf(n: number): number {
    return n === 0 ? 0 : this.sizes[n - 1]!;
  }

  /** The first `n` records decoded (the SSE tail writes one event per record). */
  decoded(n: number): DecodedRecord[] {
    const out: DecodedRecord[] = [];
    walkRecords(this.batches, this.from, n, {
      addAt(r: RecordAt): void {
        const { src } = r;
        out.push({
          offset: r.offset,
          timestamp: r.timestamp,
          key: r.keyLen < 0 ? null : src.subarray(r.keyAt, r.keyAt + r.keyLen),
          value: r.valueLen < 0 ? null : src.subarray(r.valueAt, r.valueAt + r.valueLen),
          headers: r.headerCount === 0 ? [] : headersOf(r),
        });
      },
    });
    return out;
  }
}

function grow(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const next = new Float64Array(a.length * 2);
  next.set(a);
  return next;
}

/** Walk 1: at most `maxRecords` records of `batches` from `from` on; throws for a malformed one it reaches. */
export function readPage(batches: Uint8Array, from: number, maxRecords: number): { page: ReadPage; walked: Walked } {
  const page = new ReadPage(batches, from);
  const walked = walkRecords(batches, from, maxRecords, page);
  return { page, walked };
}

/** The records a poll delivers from one partition: the first `count` of its read. */
export interface PollSlice {
  topic: string;
  partition: number;
  page: ReadPage;
  count: number;
}

/**
 * Walk 2: the answer `{...head, records: [...], ...tail}` as respond() writes it (JSON.stringify,
 * or @msgpack/msgpack with ignoreUndefined), each record `{topic, partition, ...the fetch
 * record}`. `core` renders the common records; without it the JS writers write them all.
 */
export function renderPoll(
  kind: "json" | "msgpack",
  core: LogCore | undefined,
  head: Record<string, unknown>,
  slices: PollSlice[],
  tail: Record<string, unknown>,
): Uint8Array {
  const total = slices.reduce((n, s) => n + s.count, 0);
  const stored = slices.reduce((n, s) => n + (s.count > 0 ? s.page.batches.length : 0), 0);
  const json = kind === "json";
  const page = json ? new JsonPageWriter(stored, jsonHead(head)) : new MsgpackPageWriter(stored, msgpackHead(head, tail, total));
  for (const s of slices) {
    if (s.count === 0) continue;
    page.opener = json ? jsonOpener(s.topic, s.partition) : msgpackOpener(s.topic, s.partition);
    const bulk = core !== undefined && page.opener.length <= PAGE_OPENER_CAP ? new WasmPageRenderer(core, page) : undefined;
    walkRecords(s.page.batches, s.page.from, s.count, page, undefined, bulk);
  }
  return page.end(json ? jsonTail(tail) : msgpackEntries(tail));
}

/** `{"a":1,"records":[` from {a: 1}. */
function jsonHead(head: Record<string, unknown>): Uint8Array {
  const text = JSON.stringify(head);
  return utf8.encode(`${text.length > 2 ? `${text.slice(0, -1)},` : "{"}"records":[`);
}

/** `],"b":2}` from {b: 2}. */
function jsonTail(tail: Record<string, unknown>): Uint8Array {
  const text = JSON.stringify(tail);
  return utf8.encode(text.length > 2 ? `],${text.slice(1)}` : "]}");
}

function jsonOpener(topic: string, partition: number): Uint8Array {
  return utf8.encode(`{"topic":${JSON.stringify(topic)},"partition":${JSON.stringify(partition)},"offset":`);
}

const MSGPACK = { ignoreUndefined: true } as const;
const RECORDS = encode("records");
const OFFSET = encode("offset");
const TOPIC = encode("topic");
const PARTITION = encode("partition");

const defined = (o: Record<string, unknown>) => Object.entries(o).filter(([, v]) => v !== undefined);

/** The map's header (head, records and tail entries), the head's entries, "records" and the array's header. */
function msgpackHead(head: Record<string, unknown>, tail: Record<string, unknown>, total: number): Uint8Array {
  const entries = defined(head).length + 1 + defined(tail).length;
  return concatBytes([sizeHeader(entries, 0x80, 0xde, 0xdf), msgpackEntries(head), RECORDS, sizeHeader(total, 0x90, 0xdc, 0xdd)]);
}

function msgpackEntries(o: Record<string, unknown>): Uint8Array {
  return concatBytes(defined(o).flatMap(([k, v]) => [encode(k), encode(v, MSGPACK)]));
}

/** A map's or array's header in its smallest form: fix (n < 16), 16 or 32 (msgpack spec, "map" / "array" format family). */
function sizeHeader(n: number, fix: number, h16: number, h32: number): Uint8Array {
  if (n < 16) return Uint8Array.of(fix | n);
  if (n < 0x10000) return Uint8Array.of(h16, n >>> 8, n & 0xff);
  return Uint8Array.of(h32, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** A map of 7: topic, partition, then the fetch record's offset, timestamp, key, value, headers. */
function msgpackOpener(topic: string, partition: number): Uint8Array {
  return concatBytes([Uint8Array.of(0x87), TOPIC, encode(topic), PARTITION, encode(partition), OFFSET]);
}
