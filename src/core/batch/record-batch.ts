// Kafka RecordBatch v2 (magic 2), the on-disk and on-wire format since Kafka 0.11 (KIP-98; spec:
// https://kafka.apache.org/documentation/#recordbatch, Java: DefaultRecordBatch / DefaultRecord).
// Integers are big-endian; "varint"/"varlong" are zigzag LEB128 (see varint.ts).
//
//   RecordBatch =>                                          offset
//     baseOffset           int64                              0
//     batchLength          int32   bytes after this field     8
//     partitionLeaderEpoch int32                             12
//     magic                int8    = 2                       16
//     crc                  uint32  CRC-32C (Castagnoli) over 17
//                                  attributes..end of batch
//     attributes           int16   bits 0-2 compression,     21
//                                  3 timestampType (1 = LogAppendTime),
//                                  4 transactional, 5 control
//     lastOffsetDelta      int32                             23
//     firstTimestamp       int64                             27
//     maxTimestamp         int64                             35
//     producerId           int64                             43
//     producerEpoch        int16                             51
//     baseSequence         int32                             53
//     recordCount          int32                             57
//     records              [Record]                          61
//
//   Record =>
//     length varint (bytes after this field) | attributes int8 (unused, 0)
//     timestampDelta varlong | offsetDelta varint
//     keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value
//     headerCount varint | [headerKeyLength varint | headerKey (UTF-8)
//                           | headerValueLength varint (-1 = null) | headerValue]
//
// The encoder writes what a non-idempotent Java producer writes: no compression, CreateTime,
// producerId -1, producerEpoch -1, baseSequence -1 (RecordBatch.NO_PRODUCER_ID / NO_PRODUCER_EPOCH /
// NO_SEQUENCE) and partitionLeaderEpoch -1 (NO_PARTITION_LEADER_EPOCH; a Kafka broker stamps its
// own epoch on append, and this field is outside the CRC so it can be restamped without rehashing).

import { decompressRecords, MAX_DECOMPRESSED_BYTES } from "../compression/index.ts";
import { readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong, type Cursor } from "./varint.ts";

export type Header = [string, Uint8Array | null];
export interface RecordInput {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Header[];
  timestamp: number;
}

export interface EncodeOptions {
  crc32c: (bytes: Uint8Array) => number;
  baseOffset?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  /** Batch attributes (default 0): TRANSACTIONAL_FLAG for a transactional producer's batches (KIP-98). */
  attributes?: number;
  /** Default -1 (Java's NO_PARTITION_LEADER_EPOCH). kafkajs writes 0. Not covered by the CRC. */
  partitionLeaderEpoch?: number;
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Header[];
}

/** `size` is the whole batch in bytes: batchLength + 12 (baseOffset and batchLength themselves). */
export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  size: number;
  lastOffsetDelta: number;
  recordCount: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  attributes: number;
}

/** Bytes before the first record (Kafka's RECORD_BATCH_OVERHEAD). */
export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength, which batchLength does not count (Kafka's LOG_OVERHEAD). */
const LOG_OVERHEAD = 12;
const CRC_OFFSET = 17;
const ATTRIBUTES_OFFSET = 21;
const MAGIC = 2;
const COMPRESSION_MASK = 0x07;
const LOG_APPEND_TIME_FLAG = 0x08;
export const TRANSACTIONAL_FLAG = 0x10;
export const CONTROL_FLAG = 0x20;
/** Kafka's RecordBatch.NO_TIMESTAMP, used for the timestamps of an empty batch. */
const NO_TIMESTAMP = -1;
const TWO_32 = 4294967296;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** UTF-8 length of `s` as TextEncoder encodes it (a lone surrogate becomes U+FFFD, 3 bytes). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4; // a valid surrogate pair is one 4-byte code point
      i++;
    } else n += 3;
  }
  return n;
}

function bytesField(b: Uint8Array | null): number {
  return b === null ? 1 : sizeOfVarint(b.length) + b.length;
}

/** Size of a record after its length varint. Validates the timestamp, so both passes agree. */
function recordBodySize(r: RecordInput, timestampDelta: number, offsetDelta: number): number {
  if (!Number.isSafeInteger(r.timestamp) || !Number.isSafeInteger(timestampDelta)) {
    throw new RangeError(`record ${offsetDelta}: timestamp must be a safe integer, got ${r.timestamp}`);
  }
  let size = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta) + bytesField(r.key) + bytesField(r.value);
  const headers = r.headers;
  size += sizeOfVarint(headers.length);
  for (let h = 0; h < headers.length; h++) {
    const keyLength = utf8Length(headers[h][0]);
    size += sizeOfVarint(keyLength) + keyLength + bytesField(headers[h][1]);
  }
  return size;
}

/** Exact byte size `encodeBatch(records, ...)` produces; no allocation. */
export function encodedSize(records: RecordInput[]): number {
  const first = records.length > 0 ? records[0].timestamp : NO_TIMESTAMP;
  let total = BATCH_HEADER_SIZE;
  for (let i = 0; i < records.length; i++) {
    const body = recordBodySize(records[i], records[i].timestamp - first, i);
    total += sizeOfVarint(body) + body;
  }
  return total;
}

function setInt64(dv: DataView, at: number, v: number, name: string): void {
  if (!Number.isSafeInteger(v)) throw new RangeError(`${name} must be a safe integer, got ${v}`);
  dv.setInt32(at, Math.floor(v / TWO_32));
  dv.setUint32(at + 4, v >>> 0);
}

function writeBytesField(out: Uint8Array, p: number, b: Uint8Array | null): number {
  if (b === null) return writeVarint(out, p, -1);
  p = writeVarint(out, p, b.length);
  out.set(b, p);
  return p + b.length;
}

/**
 * One RecordBatch v2 (magic 2, no compression, CreateTime) holding the records in order;
 * firstTimestamp = first record's timestamp, maxTimestamp = max; timestampDelta may be negative.
 * Sizes are computed first so the batch is one allocation written in place. An empty list gives a
 * header-only batch (timestamps -1, lastOffsetDelta -1), as Kafka's log cleaner writes.
 */
export function encodeBatch(records: RecordInput[], opts: EncodeOptions): Uint8Array {
  const n = records.length;
  const first = n > 0 ? records[0].timestamp : NO_TIMESTAMP;
  const bodySizes = new Int32Array(n);
  let total = BATCH_HEADER_SIZE;
  let max = first;
  for (let i = 0; i < n; i++) {
    if (records[i].timestamp > max) max = records[i].timestamp;
    const body = recordBodySize(records[i], records[i].timestamp - first, i);
    bodySizes[i] = body;
    total += sizeOfVarint(body) + body;
  }

  const out = new Uint8Array(total);
  const dv = writeBatchHeader(out, n, first, max, opts);

  let p = BATCH_HEADER_SIZE;
  for (let i = 0; i < n; i++) {
    const r = records[i];
    p = writeVarint(out, p, bodySizes[i]);
    out[p++] = 0; // record attributes: unused in v2
    p = writeVarlong(out, p, r.timestamp - first);
    p = writeVarint(out, p, i);
    p = writeBytesField(out, p, r.key);
    p = writeBytesField(out, p, r.value);
    const headers = r.headers;
    p = writeVarint(out, p, headers.length);
    for (let h = 0; h < headers.length; h++) {
      const key = headers[h][0];
      const keyLength = utf8Length(key);
      p = writeVarint(out, p, keyLength);
      utf8Encoder.encodeInto(key, out.subarray(p, p + keyLength));
      p += keyLength;
      p = writeBytesField(out, p, headers[h][1]);
    }
  }
  if (p !== total) throw new Error(`encodeBatch: wrote ${p} bytes, sized ${total}`); // unreachable

  dv.setUint32(CRC_OFFSET, opts.crc32c(out.subarray(ATTRIBUTES_OFFSET)) >>> 0);
  return out;
}

/** The 61 header bytes of a batch of `n` records (all but the CRC, written last over the rest). */
function writeBatchHeader(out: Uint8Array, n: number, first: number, max: number, opts: EncodeOptions): DataView {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  setInt64(dv, 0, opts.baseOffset ?? 0, "baseOffset");
  dv.setInt32(8, out.length - LOG_OVERHEAD);
  dv.setInt32(12, opts.partitionLeaderEpoch ?? -1);
  out[16] = MAGIC;
  // 17..20 crc, filled in last; 21..22 attributes: no compression, CreateTime, maybe transactional/control.
  dv.setInt16(21, opts.attributes ?? 0);
  dv.setInt32(23, n - 1);
  setInt64(dv, 27, first, "firstTimestamp");
  setInt64(dv, 35, max, "maxTimestamp");
  setInt64(dv, 43, opts.producerId ?? -1, "producerId");
  dv.setInt16(51, opts.producerEpoch ?? -1);
  dv.setInt32(53, opts.baseSequence ?? -1);
  dv.setInt32(57, n);
  return dv;
}

/** Where a span's value is null (a tombstone) in encodeSpans. */
export const NULL_SPAN = -1;

/**
 * The batch encodeBatch gives for records without key or headers, all stamped `timestamp`, whose
 * values are spans of `source` — spans[2i] to spans[2i + 1], or null where spans[2i] is
 * NULL_SPAN — read straight from it, no record objects (a JSON produce body of bare values,
 * produce-json-scan.ts).
 */
export function encodeSpans(source: Uint8Array, spans: Int32Array, timestamp: number, opts: EncodeOptions): Uint8Array {
  const n = spans.length >> 1;
  if (!Number.isSafeInteger(timestamp)) throw new RangeError(`timestamp must be a safe integer, got ${timestamp}`);
  // Each record: length, attributes, timestampDelta 0, offsetDelta, null key, value, 0 headers.
  let total = BATCH_HEADER_SIZE;
  for (let i = 0; i < n; i++) {
    const start = spans[2 * i]!;
    const body = 4 + sizeOfVarint(i) + (start === NULL_SPAN ? 1 : spanField(spans[2 * i + 1]! - start));
    total += sizeOfVarint(body) + body;
  }
  // The batch is written at the front of one buffer holding a copy of the source behind it, so
  // each value moves with copyWithin: a subarray per value (to `set` from) cost more than the
  // value's bytes — on Bun three times the copies (issue #20). The buffer is reused; the batch
  // leaves it as an exact copy.
  const room = total + source.length;
  if (room > spanScratch.length) {
    if (room > SPAN_SCRATCH_MAX) return writeSpans(new Uint8Array(room), total, source, spans, timestamp, opts);
    spanScratch = new Uint8Array(Math.min(SPAN_SCRATCH_MAX, Math.max(room, 2 * spanScratch.length)));
  }
  return writeSpans(spanScratch, total, source, spans, timestamp, opts);
}

/** Span buffers up to this size (source and batch) are kept for the next call. */
const SPAN_SCRATCH_MAX = 4 << 20;
let spanScratch = new Uint8Array(256 * 1024);

function writeSpans(
  work: Uint8Array,
  total: number,
  source: Uint8Array,
  spans: Int32Array,
  timestamp: number,
  opts: EncodeOptions,
): Uint8Array {
  const n = spans.length >> 1;
  work.set(source, total);
  const out = work.subarray(0, total);
  const dv = writeBatchHeader(out, n, n > 0 ? timestamp : NO_TIMESTAMP, n > 0 ? timestamp : NO_TIMESTAMP, opts);
  let p = BATCH_HEADER_SIZE;
  for (let i = 0; i < n; i++) {
    const start = spans[2 * i]!;
    const length = start === NULL_SPAN ? -1 : spans[2 * i + 1]! - start;
    p = writeVarint(work, p, 4 + sizeOfVarint(i) + (length < 0 ? 1 : spanField(length)));
    work[p++] = 0; // record attributes: unused in v2
    work[p++] = 0; // timestampDelta 0
    p = writeVarint(work, p, i);
    work[p++] = 1; // key length -1 (null), zigzag
    p = writeVarint(work, p, length);
    if (length > 0) {
      work.copyWithin(p, total + start, total + start + length);
      p += length;
    }
    work[p++] = 0; // no headers
  }
  if (p !== total) throw new Error(`encodeSpans: wrote ${p} bytes, sized ${total}`); // unreachable
  dv.setUint32(CRC_OFFSET, opts.crc32c(out.subarray(ATTRIBUTES_OFFSET)) >>> 0);
  return out.slice();
}

function spanField(length: number): number {
  return sizeOfVarint(length) + length;
}

function getInt64(dv: DataView, at: number, name: string): number {
  const v = dv.getInt32(at) * TWO_32 + dv.getUint32(at + 4);
  if (!Number.isSafeInteger(v)) throw new Error(`record batch: ${name} at byte ${at} exceeds 2^53`);
  return v;
}

function headerAt(bytes: Uint8Array, dv: DataView, position: number): BatchHeader {
  if (position + BATCH_HEADER_SIZE > bytes.length)
    throw new Error(`record batch at byte ${position}: truncated header (${bytes.length - position} of 61 bytes)`);
  const batchLength = dv.getInt32(position + 8);
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD)
    throw new Error(`record batch at byte ${position}: batchLength ${batchLength} is below the minimum 49`);
  const magic = dv.getInt8(position + 16);
  if (magic !== MAGIC) throw new Error(`record batch at byte ${position}: magic ${magic}, only 2 is supported`);
  return {
    baseOffset: getInt64(dv, position, "baseOffset"),
    batchLength,
    size: batchLength + LOG_OVERHEAD,
    lastOffsetDelta: dv.getInt32(position + 23),
    recordCount: dv.getInt32(position + 57),
    firstTimestamp: getInt64(dv, position + 27, "firstTimestamp"),
    maxTimestamp: getInt64(dv, position + 35, "maxTimestamp"),
    producerId: getInt64(dv, position + 43, "producerId"),
    producerEpoch: dv.getInt16(position + 51),
    baseSequence: dv.getInt32(position + 53),
    attributes: dv.getInt16(position + 21),
  };
}

/**
 * Reads the 61-byte header of the batch at `position` (the rest of the batch need not be present).
 * Checks only that the header is there, magic is 2 and batchLength is plausible; no CRC check.
 */
export function readBatchHeader(bytes: Uint8Array, position: number): BatchHeader {
  return headerAt(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), position);
}

function decodeKey(bytes: Uint8Array, start: number, end: number): string {
  // Header keys are short and almost always ASCII; skip the TextDecoder call for those.
  if (end - start <= 32) {
    let s = "";
    for (let i = start; i < end; i++) {
      const c = bytes[i];
      if (c >= 0x80) return utf8Decoder.decode(bytes.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8Decoder.decode(bytes.subarray(start, end));
}

/** Reads a varint length then that many bytes as a subarray; -1 is null. */
function readBytesField(bytes: Uint8Array, cur: Cursor, limit: number, what: string): Uint8Array | null {
  const at = cur.pos;
  const length = readVarint(bytes, cur);
  if (length === -1) return null;
  if (length < -1 || cur.pos + length > limit) throw new Error(`record at byte ${at}: invalid ${what} length ${length}`);
  const out = bytes.subarray(cur.pos, cur.pos + length);
  cur.pos += length;
  return out;
}

/**
 * Decodes concatenated batches into records with absolute offsets (baseOffset + offsetDelta) and
 * timestamps (firstTimestamp + timestampDelta, or maxTimestamp for LogAppendTime batches, as Kafka
 * defines). Keys and values are subarrays of `bytes`, not copies. The CRC is not checked (callers
 * validate in WASM first); structure is, and malformed input throws an Error saying where.
 * Control batches (transaction markers) are skipped like a Kafka consumer does; compressed ones are
 * decompressed (bounded, MAX_DECOMPRESSED_BYTES per batch) and their records decoded the same way.
 * Once `maxDecompressedBytes` have been decompressed, decoding stops after that batch: a read of
 * highly compressed batches holds at most that much (plus one batch) in memory. A reader that moves
 * its position uses decodePage, which says where the next read starts.
 */
export function decodeRecords(bytes: Uint8Array, maxDecompressedBytes = MAX_DECOMPRESSED_BYTES): DecodedRecord[] {
  return decodePage(bytes, 0, Number.POSITIVE_INFINITY, maxDecompressedBytes).records;
}

/**
 * One read's records from offset `from` on, at most `maxRecords`, and where the next read starts,
 * with the meaning of walkRecords' answer (http/log/fetch-records.ts): `stopped` says the decoding
 * ended before the last record of `bytes` (maxRecords reached, or the decompression bound with
 * batches left), and the next read starts at `next`, which is not past any record left undecoded.
 * Otherwise `next` is the offset after the last record (or `from`) and the reader may move past the
 * whole read (batchesEnd, the read's nextOffset). Moving to batchesEnd after a stop skipped the
 * records of the batches past the bound for good.
 */
export interface DecodedPage {
  records: DecodedRecord[];
  next: number;
  stopped: boolean;
}

export function decodePage(
  bytes: Uint8Array,
  from: number,
  maxRecords: number,
  maxDecompressedBytes = MAX_DECOMPRESSED_BYTES,
): DecodedPage {
  const out: DecodedRecord[] = [];
  const walk = walkBatches(bytes, from, maxDecompressedBytes, (s) => {
    const first = out.length;
    decodeBatchRecords(s.src, s.start, s.end, s.h, out, s.position);
    // Offsets rise within a batch: records before `from` are its first ones.
    let kept = first;
    while (kept < out.length && out[kept]!.offset < from) kept++;
    if (kept > first) out.splice(first, kept - first);
    if (out.length <= maxRecords) return false;
    out.length = maxRecords;
    return true;
  });
  if (walk.stopped === "full") return { records: out, next: maxRecords > 0 ? out[maxRecords - 1]!.offset + 1 : from, stopped: true };
  if (walk.stopped === "bound") return { records: out, next: Math.max(afterLast(out, from), walk.after), stopped: true };
  return { records: out, next: afterLast(out, from), stopped: false };
}

/** One batch's records for a reader: `src[start, end)` holds them (the batch's bytes, or its decompressed records section). */
export interface RecordsSection {
  h: BatchHeader;
  src: Uint8Array;
  start: number;
  end: number;
  /** The batch's byte position in the read (for errors). */
  position: number;
}

export type BatchWalk = { stopped: false } | { stopped: "full" } | { stopped: "bound"; after: number };

/**
 * The batch walk every reader of stored batches shares (decodePage here, walkRecords in
 * http/log/fetch-records.ts), so the decompression bound has one rule: checks each batch's length,
 * skips control and empty batches and those wholly before `from` (not decoded, not counted against
 * the bound), and hands each other batch's records section to `visit`, which returns true when the
 * page is full ("full"). Once `maxDecompressedBytes` have been decompressed with batches left, the
 * walk stops after that batch ("bound"): the next read starts at `after`, so nothing is skipped.
 */
export function walkBatches(
  bytes: Uint8Array,
  from: number,
  maxDecompressedBytes: number,
  visit: (section: RecordsSection) => boolean,
): BatchWalk {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let position = 0;
  let inflated = 0;
  while (position < bytes.length) {
    const h = headerAt(bytes, dv, position);
    const end = position + h.size;
    if (end > bytes.length) {
      throw new Error(`record batch at byte ${position}: batchLength ${h.batchLength} runs past the end (${bytes.length} bytes)`);
    }
    if ((h.attributes & CONTROL_FLAG) !== 0 || h.recordCount === 0) {
      position = end;
      continue;
    }
    if (h.recordCount < 0) throw new Error(`record batch at byte ${position}: negative record count ${h.recordCount}`);
    // A batch wholly before `from` (a read's first batch may start before it) is not decoded,
    // nor counted against the decompression bound.
    if (h.baseOffset + h.lastOffsetDelta < from) {
      position = end;
      continue;
    }
    // A compressed batch's records section is one blob (docs/compression.md): its records are
    // decoded from its bounded decompression.
    const codec = h.attributes & COMPRESSION_MASK;
    const src = codec === 0 ? bytes : decompressRecords(codec, bytes.subarray(position + BATCH_HEADER_SIZE, end));
    const section = { h, src, start: codec === 0 ? position + BATCH_HEADER_SIZE : 0, end: codec === 0 ? end : src.length, position };
    if (visit(section)) return { stopped: "full" };
    position = end;
    if (codec !== 0 && (inflated += src.length) >= maxDecompressedBytes && position < bytes.length) {
      return { stopped: "bound", after: h.baseOffset + h.lastOffsetDelta + 1 };
    }
  }
  return { stopped: false };
}

function afterLast(records: DecodedRecord[], from: number): number {
  return records.length > 0 ? records[records.length - 1]!.offset + 1 : from;
}

/** Decodes the h.recordCount records in src[start, end) into `out`; `position` names the batch in errors. */
function decodeBatchRecords(src: Uint8Array, start: number, end: number, h: BatchHeader, out: DecodedRecord[], position: number): void {
  const logAppendTime = (h.attributes & LOG_APPEND_TIME_FLAG) !== 0;
  const cur: Cursor = { pos: start };
  for (let i = 0; i < h.recordCount; i++) {
    const at = cur.pos;
    const length = readVarint(src, cur);
    const bodyStart = cur.pos;
    const recordEnd = bodyStart + length;
    if (length < 0 || recordEnd > end) throw new Error(`record at byte ${at}: length ${length} runs past its batch`);
    cur.pos++; // record attributes: unused in v2
    const timestampDelta = readVarlong(src, cur);
    const offsetDelta = readVarint(src, cur);
    const key = readBytesField(src, cur, recordEnd, "key");
    const value = readBytesField(src, cur, recordEnd, "value");
    const headerCount = readVarint(src, cur);
    if (headerCount < 0) throw new Error(`record at byte ${at}: negative header count ${headerCount}`);
    const headers: Header[] = [];
    for (let j = 0; j < headerCount; j++) {
      const keyAt = cur.pos;
      const keyLength = readVarint(src, cur);
      if (keyLength < 0 || cur.pos + keyLength > recordEnd)
        throw new Error(`record at byte ${at}: invalid header key length ${keyLength} at byte ${keyAt}`);
      const headerKey = decodeKey(src, cur.pos, cur.pos + keyLength);
      cur.pos += keyLength;
      headers.push([headerKey, readBytesField(src, cur, recordEnd, "header value")]);
    }
    if (cur.pos !== recordEnd) throw new Error(`record at byte ${at}: length says ${length} bytes, its fields use ${cur.pos - bodyStart}`);
    out.push({
      offset: h.baseOffset + offsetDelta,
      timestamp: logAppendTime ? h.maxTimestamp : h.firstTimestamp + timestampDelta,
      key,
      value,
      headers,
    });
  }
  if (cur.pos !== end) throw new Error(`record batch at byte ${position}: ${end - cur.pos} bytes left after ${h.recordCount} records`);
}

/** Kafka's control record types (ControlRecordType): the key's second int16. */
export const ABORT_MARKER = 0;
export const COMMIT_MARKER = 1;

/**
 * A transaction marker as Kafka writes it (EndTransactionMarker): a batch with the transactional
 * and control attributes and the producer's id and epoch, baseSequence -1, holding one record whose
 * key is version int16 (0) + type int16 (0 abort, 1 commit) and whose value is version int16 (0) +
 * coordinatorEpoch int32.
 */
export function encodeMarker(opts: {
  crc32c: (bytes: Uint8Array) => number;
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
  timestamp: number;
}): Uint8Array {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setInt16(2, opts.commit ? COMMIT_MARKER : ABORT_MARKER);
  const value = new Uint8Array(6);
  new DataView(value.buffer).setInt32(2, opts.coordinatorEpoch);
  return encodeBatch([{ key, value, headers: [], timestamp: opts.timestamp }], {
    crc32c: opts.crc32c,
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    baseSequence: -1,
    attributes: TRANSACTIONAL_FLAG | CONTROL_FLAG,
  });
}

/**
 * The offset after the last batch of concatenated batches (from their headers), or `fallback`
 * when there are none. A reader that handed out every record of a read moves here, not to its
 * last record + 1: a read may end in batches with no records to show (a transaction marker,
 * aborted data left out by read_committed, a batch emptied by compaction).
 */
export function batchesEnd(bytes: Uint8Array, fallback: number): number {
  let pos = 0;
  let end = fallback;
  while (pos < bytes.length) {
    const h = readBatchHeader(bytes, pos);
    end = h.baseOffset + h.lastOffsetDelta + 1;
    pos += h.size;
  }
  return end;
}
