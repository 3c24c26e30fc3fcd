// The records of a fetch page walked straight off the stored batches, for the JSON and MessagePack
// page writers: one reused RecordAt gives each record's offset, timestamp and the positions of its
// key and value in the batch bytes, so a page of 10,000 records allocates no object, subarray or
// header array per record (decodeRecords in core/batch/record-batch.ts does all three; profiled in
// docs/benchmarks.md, "(d) catch-up fetch by format"). The grammar walked is the one that file
// opens with (Kafka RecordBatch v2); the structural checks are decodeRecords' own, so a malformed
// batch throws as it would there. Control batches are skipped; compressed batches are decompressed
// within the same bound, and a walk that stops at that bound says where the next read starts.
// With a bulk renderer (fetch-page-wasm.ts) the common records of each batch are rendered by
// the WebAssembly core and only the others reach the sink; they are read here, so a malformed
// record throws here either way.
import { type BatchHeader, type Header, type RecordsSection, walkBatches } from "../../core/batch/record-batch.ts";
import { readVarint, readVarlong, type Cursor } from "../../core/batch/varint.ts";
import { MAX_DECOMPRESSED_BYTES } from "../../core/compression/index.ts";

const LOG_APPEND_TIME_FLAG = 0x08;
const utf8 = new TextDecoder();

/** One record, as positions in `src` (the batch bytes or its decompressed records); -1 length = null. */
export class RecordAt {
  src: Uint8Array = new Uint8Array(0);
  offset = 0;
  timestamp = 0;
  keyAt = 0;
  keyLen = -1;
  valueAt = 0;
  valueLen = -1;
  headersAt = 0;
  headerCount = 0;
  end = 0;
}

export interface PageSink {
  addAt(r: RecordAt): void;
}

/**
 * `stopped`: the walk ended before the last record of `bytes` (max_records reached, or the
 * decompression bound), and `next` is where the next read starts. Otherwise `next` is the offset
 * after the last record written (or `from`), and the caller may move past the whole page.
 */
export interface Walked {
  count: number;
  next: number;
  stopped: boolean;
}

const cur: Cursor = { pos: 0 };

/** A varint at cur.pos; one- and two-byte values (every delta and short length) inline. */
function varint(src: Uint8Array): number {
  const p = cur.pos;
  const b0 = src[p]!;
  if (b0 < 0x80) {
    cur.pos = p + 1;
    return (b0 >>> 1) ^ -(b0 & 1);
  }
  const b1 = src[p + 1]!;
  if (b1 < 0x80) {
    cur.pos = p + 2;
    const z = (b0 & 0x7f) | (b1 << 7);
    return (z >>> 1) ^ -(z & 1);
  }
  return readVarint(src, cur);
}

/** A varlong at cur.pos: up to two bytes it is a varint's encoding of the same value. */
function varlong(src: Uint8Array): number {
  const p = cur.pos;
  const b0 = src[p]!;
  if (b0 < 0x80) {
    cur.pos = p + 1;
    return (b0 >>> 1) ^ -(b0 & 1);
  }
  const b1 = src[p + 1]!;
  if (b1 < 0x80) {
    cur.pos = p + 2;
    const z = (b0 & 0x7f) | (b1 << 7);
    return (z >>> 1) ^ -(z & 1);
  }
  return readVarlong(src, cur);
}

/** A length-prefixed field's length (-1 null), cur.pos left after its bytes. */
function field(src: Uint8Array, limit: number, at: number, what: string): number {
  const length = varint(src);
  if (length === -1) return -1;
  if (length < -1 || cur.pos + length > limit) throw new Error(`record at byte ${at}: invalid ${what} length ${length}`);
  cur.pos += length;
  return length;
}

/**
 * Renders the common records of one records section in bulk into the same page as the sink
 * (fetch-page-wasm.ts: the WebAssembly core). `render` walks from record `index` at `pos`,
 * appending at most `room` records at or after `from` to the page, and stops at a record it
 * leaves to the sink (FALLBACK: the walk reads that one here, and throws here if it is
 * malformed), when its output is full (AGAIN), when the page is full (FULL) or at the end of the
 * section (DONE); `pos` and `index` then say where, `rendered` and `afterLast` what it appended.
 */
export interface SectionRenderer {
  load(section: RecordsSection): void;
  render(pos: number, index: number, from: number, room: number): number;
  pos: number;
  index: number;
  rendered: number;
  afterLast: number;
}

export const BULK_DONE = 0;
const RUN_TO_SKIP = 8;
const SKIP = 64;
export const BULK_FULL = 1;
export const BULK_FALLBACK = 2;
export const BULK_AGAIN = 3;

/**
 * Reads the record at cur.pos of a section ending at `recordsEnd` into `r`, checking it as
 * decodeRecords does; cur.pos is left after it.
 */
function readRecord(src: Uint8Array, recordsEnd: number, h: BatchHeader, logAppendTime: boolean, r: RecordAt): void {
  const at = cur.pos;
  const length = varint(src);
  const bodyStart = cur.pos;
  const recordEnd = bodyStart + length;
  if (length < 0 || recordEnd > recordsEnd) throw new Error(`record at byte ${at}: length ${length} runs past its batch`);
  cur.pos++; // record attributes: unused in v2
  const timestampDelta = varlong(src);
  const offsetDelta = varint(src);
  const keyLen = field(src, recordEnd, at, "key");
  const keyAt = cur.pos - Math.max(keyLen, 0);
  const valueLen = field(src, recordEnd, at, "value");
  const valueAt = cur.pos - Math.max(valueLen, 0);
  const headerCount = varint(src);
  if (headerCount < 0) throw new Error(`record at byte ${at}: negative header count ${headerCount}`);
  const headersAt = cur.pos;
  if (headerCount > 0) {
    for (let j = 0; j < headerCount; j++) {
      const keyLength = varint(src);
      if (keyLength < 0 || cur.pos + keyLength > recordEnd) throw new Error(`record at byte ${at}: invalid header key length ${keyLength}`);
      cur.pos += keyLength;
      field(src, recordEnd, at, "header value");
    }
  }
  if (cur.pos !== recordEnd) throw new Error(`record at byte ${at}: length says ${length} bytes, its fields use ${cur.pos - bodyStart}`);
  r.offset = h.baseOffset + offsetDelta;
  r.timestamp = logAppendTime ? h.maxTimestamp : h.firstTimestamp + timestampDelta;
  r.keyAt = keyAt;
  r.keyLen = keyLen;
  r.valueAt = valueAt;
  r.valueLen = valueLen;
  r.headersAt = headersAt;
  r.headerCount = headerCount;
  r.end = recordEnd;
}

/**
 * Writes the records of `bytes` (concatenated batches) from offset `from` on into `sink`, at most
 * `maxRecords` of them: what the fetch route did over decodeRecords, record by record. With
 * `bulk`, the records it renders are not handed to the sink, only those it leaves.
 */
export function walkRecords(
  bytes: Uint8Array,
  from: number,
  maxRecords: number,
  sink: PageSink,
  maxDecompressedBytes = MAX_DECOMPRESSED_BYTES,
  bulk?: SectionRenderer,
): Walked {
  const r = new RecordAt();
  let count = 0;
  let afterLast = from;
  const walk = walkBatches(bytes, from, maxDecompressedBytes, (section) => {
    const { h, src, start, end: recordsEnd, position } = section;
    const logAppendTime = (h.attributes & LOG_APPEND_TIME_FLAG) !== 0;
    r.src = src;
    cur.pos = start;
    if (bulk !== undefined) bulk.load(section);
    // A run of records the renderer leaves to the sink (headers on every record, say) costs a call
    // each for nothing: after RUN_TO_SKIP in a row the next SKIP are read here directly.
    let misses = 0;
    let skipUntil = 0;
    for (let i = 0; i < h.recordCount; i++) {
      if (bulk !== undefined && i >= skipUntil) {
        const step = bulk.render(cur.pos, i, from, maxRecords - count);
        if (bulk.rendered > 0) {
          count += bulk.rendered;
          afterLast = bulk.afterLast;
        }
        cur.pos = bulk.pos;
        i = bulk.index;
        if (step === BULK_FULL) return true;
        if (step === BULK_DONE) break;
        if (step === BULK_AGAIN) {
          i--;
          continue;
        }
        if (bulk.rendered > 0) misses = 0;
        else if (++misses === RUN_TO_SKIP) {
          misses = 0;
          skipUntil = i + 1 + SKIP;
        }
      }
      readRecord(src, recordsEnd, h, logAppendTime, r);
      if (r.offset < from) continue;
      if (count >= maxRecords) return true;
      sink.addAt(r);
      count++;
      afterLast = r.offset + 1;
    }
    if (cur.pos !== recordsEnd) {
      throw new Error(`record batch at byte ${position}: ${recordsEnd - cur.pos} bytes left after ${h.recordCount} records`);
    }
    return false;
  });
  if (walk.stopped === "full") return { count, next: afterLast, stopped: true };
  if (walk.stopped === "bound") return { count, next: Math.max(afterLast, walk.after), stopped: true };
  return { count, next: afterLast, stopped: false };
}

/** The record's headers decoded (few records carry any): names as UTF-8 text, values as subarrays. */
export function headersOf(r: RecordAt): Header[] {
  const src = r.src;
  const out: Header[] = [];
  cur.pos = r.headersAt;
  for (let j = 0; j < r.headerCount; j++) {
    const keyLength = varint(src);
    const name = utf8.decode(src.subarray(cur.pos, cur.pos + keyLength));
    cur.pos += keyLength;
    const length = varint(src);
    out.push([name, length < 0 ? null : src.subarray(cur.pos, cur.pos + length)]);
    if (length > 0) cur.pos += length;
  }
  return out;
}
