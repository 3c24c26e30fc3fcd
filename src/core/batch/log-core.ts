// Portable wrapper around the AssemblyScript log core (assembly/, built to build/edgebroker.wasm).
// Plain WebAssembly API only, so it runs unchanged in Workers, Node and browsers. The Wasm module
// owns the validation logic; this file copies inputs into its scratch area, calls one export and
// turns the result (or the STATUS block the module fills on failure) into JS values.

export const BATCH_HEADER_SIZE = 61;
export const INDEX_ENTRY_SIZE = 16;
/** Where a batch's CRC-32C field is (crc32c covers attributes, byte 21, to the end). */
const CRC_FIELD = 17;

/** Bytes per key hash in RecordScan.keyHashes: MurmurHash3_x64_128, h1 then h2, little-endian. */
export const KEY_HASH_SIZE = 16;
/**
 * Seed of the key hashes. Not 0: murmur3 of the empty input with seed 0 is all zero, which is
 * what a null key gets, and the empty key and the null key are different keys.
 */
export const KEY_HASH_SEED = 0x9747b28c;
/** RecordScan.flags bits. */
export const RECORD_NULL_KEY = 1;
export const RECORD_NULL_VALUE = 2;

export type BatchErrorCode =
  | "batch_truncated"
  | "unsupported_magic"
  | "crc_mismatch"
  | "record_count_mismatch"
  | "invalid_offset_delta"
  | "invalid_timestamp"
  | "unsupported_compression"
  | "unsupported_attributes"
  | "malformed_record"
  | "empty_batch"
  | "invalid_producer"
  // Compressed batches (src/core/compression/): records that do not decompress, or decompress
  // past MAX_DECOMPRESSED_BYTES.
  | "corrupt_compression"
  | "decompression_limit";

export interface BatchMeta {
  position: number;
  size: number;
  baseOffset: number;
  lastOffsetDelta: number;
  recordCount: number;
  firstTimestamp: number;
  maxTimestamp: number;
  attributes: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

export type ValidationResult =
  | { ok: true; batches: BatchMeta[] }
  | { ok: false; code: BatchErrorCode; message: string; batch: number; position: number };

/** Per-record columns of a segment, in log order (scanRecords). */
export interface RecordScan {
  /** Records in the segment. */
  count: number;
  /** Absolute offset of each record (baseOffset + offsetDelta). */
  offsets: Float64Array;
  /** firstTimestamp + timestampDelta (CreateTime); maxTimestamp for a LogAppendTime batch, as Kafka reads it. */
  timestamps: Float64Array;
  /** KEY_HASH_SIZE bytes per record: MurmurHash3_x64_128(key, KEY_HASH_SEED); all zero for a null key. */
  keyHashes: Uint8Array;
  /** Per record: RECORD_NULL_KEY (bit 0), RECORD_NULL_VALUE (bit 1, a tombstone). */
  flags: Uint8Array;
}

export type CheckResult = { ok: true } | { ok: false; position: number; code: BatchErrorCode; message: string };

// Index = numeric code written by the Wasm module (assembly/errors.ts E_*).
export const WASM_ERROR_CODES: readonly BatchErrorCode[] = [
  "batch_truncated", // placeholder for 0 (never reported)
  "batch_truncated",
  "unsupported_magic",
  "crc_mismatch",
  "record_count_mismatch",
  "invalid_offset_delta",
  "invalid_timestamp",
  "unsupported_compression",
  "unsupported_attributes",
  "malformed_record",
  "empty_batch",
  "invalid_producer",
];

// Index = field code (assembly/errors.ts F_*).
export const WASM_FIELD_NAMES = [
  "",
  "record length",
  "record attributes",
  "timestampDelta",
  "offsetDelta",
  "key",
  "value",
  "headerCount",
  "header key",
  "header value",
];

const hex = (n: number) => "0x" + (n >>> 0).toString(16).padStart(8, "0");

// Index = reason code (assembly/errors.ts R_*); a, b and field as documented there.
export const WASM_REASONS: readonly ((a: number, b: number, field: string) => string)[] = [
  () => "unknown error",
  () => "empty input",
  (a, b) => `only ${a} bytes left, a batch header needs ${b}`,
  (a) => `magic byte is ${a}, only RecordBatch v2 (magic 2) is supported`,
  (a, b) => `batchLength ${a} is smaller than the minimum ${b}`,
  (a, b) => `batchLength ${a} runs past the end of the buffer (${b} bytes available)`,
  (a, b) => `CRC-32C mismatch (stored ${hex(a)}, computed ${hex(b)})`,
  (a) => `compressed batches are not supported (attributes ${hex(a)}, codec ${a & 7})`,
  (a) => `control batches: a control batch (transaction marker) is written by the broker only, never by a producer (attributes ${hex(a)})`,
  () => "recordCount is 0",
  (a) => `recordCount ${a} is negative`,
  (a) => `firstTimestamp ${a} is negative`,
  (a, b) => `timestampDelta ${a} gives a timestamp outside 0 .. 2^53 - 1 (firstTimestamp ${b})`,
  (a, b) => `maxTimestamp ${a} differs from the largest record timestamp ${b}`,
  (a, b) => `offsetDelta ${a}, expected ${b}`,
  (a, b) => `lastOffsetDelta ${a}, expected ${b} (recordCount - 1)`,
  (a, b) => `${b} bytes remain after the ${a} records declared by recordCount`,
  (a, b) => `recordCount is ${a} but the batch holds ${b} records`,
  (_a, _b, f) => `${f}: malformed varint`,
  (a, _b, f) => `${f}: negative length ${a}`,
  (a, b, f) => `${f}: length ${a} runs past the end of the record (${b} bytes left)`,
  (a, b) => `record length ${a} runs past the end of the batch (${b} bytes left)`,
  (a, b) => `record length ${a} does not match its fields (${b} bytes)`,
  (a, b) => `offsetDelta ${a} does not follow the previous record's ${b}`,
  (a, b) => `offsetDelta ${a} is past lastOffsetDelta ${b}`,
  (a, b) => `sized for ${a} records, the segment holds ${b < 0 ? "more" : b}`,
  (a, b) => `recordCount ${a} cannot fit in the batch's ${b} bytes of records`,
  (a, b) => `timestamp ${a} is outside 0 .. ${b} (2^53 - 1)`,
  (a, b) => `producerId ${a} is invalid: -1 (no producer) or 0 .. ${b} (2^53 - 1)`,
  (a, b) => `producerEpoch ${a} is invalid${b >= 0 ? ` for producer ${b} (an idempotent batch has an epoch >= 0)` : " (-1, or >= 0)"}`,
  (a) => `baseSequence ${a} is invalid (-1, or >= 0)`,
  (a, b) => `baseOffset ${a} is outside 0 .. ${b} (2^53 - 1)`,
  (a) => `lastOffsetDelta ${a} is negative`,
];

interface Exports {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  status(): number;
  crc32c(ptr: number, len: number): number;
  validateBatches(ptr: number, len: number, fillCrc: number): number;
  checkBatches(ptr: number, len: number): number;
  patchBaseOffsets(ptr: number, len: number, baseOffset: number): number;
  buildIndex(ptr: number, len: number, out: number, segmentBase: number): number;
  locate(idx: number, count: number, relativeOffset: number): number;
  locateTimestamp(idx: number, count: number, ts: number): number;
  countRecords(ptr: number, len: number): number;
  scanRecords(ptr: number, len: number, out: number, capacity: number, seed: number): number;
  rewriteSegment(ptr: number, len: number, keep: number, keepLen: number, out: number): number;
  keyHash(ptr: number, len: number, seed: number, out: number): void;
  pageResult(): number;
  pageOpener(): number;
  renderRecords(
    json: number,
    pos: number,
    end: number,
    index: number,
    count: number,
    baseOffset: number,
    firstTimestamp: number,
    maxTimestamp: number,
    logAppendTime: number,
    from: number,
    room: number,
    written: number,
    out: number,
    outEnd: number,
    openLen: number,
  ): number;
}

/** The longest record opener renderRecords takes (assembly/page.ts, OPENER). */
export const PAGE_OPENER_CAP = 1024;

/** renderRecords' answers (assembly/page.ts). */
export const PAGE_DONE = 0;
export const PAGE_FULL = 1;
export const PAGE_FALLBACK = 2;
export const PAGE_AGAIN = 3;

/** One batch's records section and what it needs to be rendered (LogCore.renderRecords). */
export interface PageSection {
  /** Address of the section's first byte in the module's memory (loadSection). */
  at: number;
  end: number;
  /** The output region. */
  out: number;
  outEnd: number;
  count: number;
  baseOffset: number;
  firstTimestamp: number;
  maxTimestamp: number;
  logAppendTime: boolean;
}

/** Where renderRecords stopped: addresses in the module's memory. */
export interface PageStep {
  pos: number;
  index: number;
  rendered: number;
  out: number;
  afterLast: number;
}

interface Failure {
  code: BatchErrorCode;
  batch: number;
  position: number;
  message: string;
}

/** scanRecords output per record: f64 offset, f64 timestamp, 16-byte key hash, flags byte. */
const SCAN_BYTES_PER_RECORD = 8 + 8 + KEY_HASH_SIZE + 1;

const I64_LIMIT = 9.2e18; // |values| clamped below 2^63 before the f64 -> i64 conversion in Wasm

/** Reads a big-endian int64 as a JS number (exact below 2^53) without allocating a BigInt. */
function int64(view: DataView, at: number): number {
  return view.getInt32(at) * 4294967296 + view.getUint32(at + 4);
}

export class LogCore {
  private readonly wasm: Exports;
  private readonly statusPtr: number;
  private readonly pagePtr: number;
  private readonly openerPtr: number;
  /** The opener last copied to the module (a page writer's constant: copied once per page). */
  private opener: Uint8Array | undefined;
  private u8: Uint8Array;
  private view: DataView;

  private constructor(instance: WebAssembly.Instance) {
    this.wasm = instance.exports as unknown as Exports;
    this.statusPtr = this.wasm.status();
    this.pagePtr = this.wasm.pageResult();
    this.openerPtr = this.wasm.pageOpener();
    this.u8 = new Uint8Array(this.wasm.memory.buffer);
    this.view = new DataView(this.wasm.memory.buffer);
  }

  /** Accepts a compiled module (Workers import a .wasm as a WebAssembly.Module) or raw bytes. */
  static async instantiate(source: WebAssembly.Module | BufferSource): Promise<LogCore> {
    // Workers forbid compiling at run time, but they hand over a compiled Module; other hosts
    // read the bytes and compile them here.
    // (workers-types leave out WebAssembly.compile because Workers cannot use it.)
    const compile = (WebAssembly as unknown as { compile(bytes: BufferSource): Promise<WebAssembly.Module> }).compile;
    const module = source instanceof WebAssembly.Module ? source : await compile(source);
    return new LogCore(await WebAssembly.instantiate(module, {}));
  }

  /** Copies `bytes` (plus `extra` bytes of output room) into scratch; returns the pointer. */
  private load(bytes: Uint8Array, extra = 0): number {
    const ptr = this.wasm.reserve(bytes.length + extra);
    if (ptr === 0) throw new RangeError(`log core: cannot reserve ${bytes.length + extra} bytes of WebAssembly memory`);
    // memory.grow detaches the old ArrayBuffer: refresh the cached views only when it happened.
    if (this.u8.buffer !== this.wasm.memory.buffer) {
      this.u8 = new Uint8Array(this.wasm.memory.buffer);
      this.view = new DataView(this.wasm.memory.buffer);
    }
    this.u8.set(bytes, ptr);
    return ptr;
  }

  /** Makes `bytes` of scratch available without copying anything (data already there stays). */
  private room(bytes: number): void {
    if (this.wasm.reserve(bytes) === 0) throw new RangeError(`log core: cannot reserve ${bytes} bytes of WebAssembly memory`);
    if (this.u8.buffer !== this.wasm.memory.buffer) {
      this.u8 = new Uint8Array(this.wasm.memory.buffer);
      this.view = new DataView(this.wasm.memory.buffer);
    }
  }

  private failure(offset = 0): Failure {
    const v = this.view;
    const s = this.statusPtr;
    const code = WASM_ERROR_CODES[v.getInt32(s, true)] ?? "batch_truncated";
    const reason = WASM_REASONS[v.getInt32(s + 4, true)] ?? WASM_REASONS[0];
    const batch = v.getInt32(s + 8, true);
    const position = v.getInt32(s + 12, true) + offset;
    const record = v.getInt32(s + 16, true);
    const at = v.getInt32(s + 20, true) + offset;
    const field = WASM_FIELD_NAMES[v.getInt32(s + 24, true)] ?? "";
    const a = Number(v.getBigInt64(s + 32, true));
    const b = Number(v.getBigInt64(s + 40, true));
    const where = record >= 0 ? `batch ${batch} at byte ${position}: record ${record} (byte ${at})` : `batch ${batch} at byte ${position}`;
    return { code, batch, position, message: `${where}: ${reason(a, b, field)}` };
  }

  crc32c(bytes: Uint8Array): number {
    return this.wasm.crc32c(this.load(bytes), bytes.length) >>> 0;
  }

  /**
   * bytes = one or more concatenated RecordBatch v2, consumed exactly; full validation incl. every
   * record. With `fillCrc` each batch's CRC-32C is computed and written into `bytes` instead of
   * checked (batches the broker encoded itself: one pass over them, not one to seal and one to check).
   */
  validateBatches(bytes: Uint8Array, fillCrc = false): ValidationResult {
    const ptr = this.load(bytes);
    const n = this.wasm.validateBatches(ptr, bytes.length, fillCrc ? 1 : 0);
    if (n < 0) {
      const f = this.failure();
      return { ok: false, code: f.code, message: f.message, batch: f.batch, position: f.position };
    }
    // The module validated the framing, so reading the headers back here is safe.
    const v = this.view;
    const batches: BatchMeta[] = new Array(n);
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const p = ptr + pos;
      const size = 12 + v.getInt32(p + 8);
      batches[i] = {
        position: pos,
        size,
        baseOffset: int64(v, p),
        lastOffsetDelta: v.getInt32(p + 23),
        recordCount: v.getInt32(p + 57),
        firstTimestamp: int64(v, p + 27),
        maxTimestamp: int64(v, p + 35),
        attributes: v.getInt16(p + 21),
        producerId: int64(v, p + 43),
        producerEpoch: v.getInt16(p + 51),
        baseSequence: v.getInt32(p + 53),
      };
      if (fillCrc) bytes.set(this.u8.subarray(p + CRC_FIELD, p + CRC_FIELD + 4), pos + CRC_FIELD);
      pos += size;
    }
    return { ok: true, batches };
  }

  /** In place: first batch's baseOffset = baseOffset, each next = previous last offset + 1. Returns the last offset assigned. */
  patchBaseOffsets(bytes: Uint8Array, baseOffset: number): number {
    if (!Number.isSafeInteger(baseOffset) || baseOffset < 0) throw new RangeError(`log core: invalid base offset ${baseOffset}`);
    const ptr = this.load(bytes);
    const last = this.wasm.patchBaseOffsets(ptr, bytes.length, baseOffset);
    if (last < 0) throw new Error(`log core: cannot patch base offsets: ${this.failure().message}`);
    bytes.set(this.u8.subarray(ptr, ptr + bytes.length));
    return last;
  }

  /** One 16-byte LE entry per batch: i32 base - segmentBaseOffset, i32 byte position, i64 running max timestamp. */
  buildIndex(segment: Uint8Array, segmentBaseOffset: number): Uint8Array {
    // Output goes after the input, 16-byte aligned; a batch is at least 61 bytes, so this bounds the entry count.
    const inputRoom = (segment.length + 15) & ~15;
    const room = inputRoom + Math.ceil(segment.length / BATCH_HEADER_SIZE) * INDEX_ENTRY_SIZE;
    const ptr = this.load(segment, room - segment.length);
    const out = ptr + inputRoom;
    const n = this.wasm.buildIndex(ptr, segment.length, out, segmentBaseOffset);
    if (n < 0) throw new Error(`log core: cannot index segment: ${this.failure().message}`);
    return this.u8.slice(out, out + n * INDEX_ENTRY_SIZE);
  }

  /** Byte position of the batch containing `offset` (last entry whose base <= offset); -1 if before the first entry. */
  locate(index: Uint8Array, segmentBaseOffset: number, offset: number): number {
    const count = entries(index);
    const rel = offset - segmentBaseOffset;
    if (count === 0 || !(rel >= 0)) return -1;
    return this.wasm.locate(this.load(index), count, Math.min(rel, I64_LIMIT));
  }

  /** Byte position of the first batch whose running max timestamp >= ts, or -1 if none. */
  locateTimestamp(index: Uint8Array, timestamp: number): number {
    const count = entries(index);
    if (count === 0 || Number.isNaN(timestamp)) return -1;
    return this.wasm.locateTimestamp(this.load(index), count, Math.max(-I64_LIMIT, Math.min(timestamp, I64_LIMIT)));
  }

  /** Read-side check of segment[start, end): framing, magic and CRC of each batch (no record walk). */
  checkBatches(segment: Uint8Array, start: number, end: number): CheckResult {
    if (!(start >= 0 && start <= end && end <= segment.length)) {
      throw new RangeError(`log core: checkBatches range [${start}, ${end}) outside segment of ${segment.length} bytes`);
    }
    const ptr = this.load(segment.subarray(start, end));
    if (this.wasm.checkBatches(ptr, end - start) >= 0) return { ok: true };
    const f = this.failure(start);
    return { ok: false, position: f.position, code: f.code, message: f.message };
  }

  /**
   * Log compaction, first half (the scan Kafka's LogCleaner does to build its key -> latest offset
   * map): walks every record of `segment` (concatenated, already-valid RecordBatch v2 batches;
   * offset deltas may have gaps, as compacted batches do). Checks each batch's CRC and structure
   * on the way and throws when a batch is corrupt or compressed (transactional and control batches are walked like others).
   */
  scanRecords(segment: Uint8Array): RecordScan {
    const ptr = this.load(segment);
    const capacity = this.wasm.countRecords(ptr, segment.length);
    if (capacity < 0) throw new Error(`log core: cannot scan segment: ${this.failure().message}`);
    // Columns go after the input, 16-byte aligned (the f64 columns need 8).
    const out = ptr + ((segment.length + 15) & ~15);
    this.room(out - ptr + capacity * SCAN_BYTES_PER_RECORD);
    const n = this.wasm.scanRecords(ptr, segment.length, out, capacity, KEY_HASH_SEED);
    if (n < 0) throw new Error(`log core: cannot scan segment: ${this.failure().message}`);
    const buffer = this.wasm.memory.buffer;
    const hashes = out + 16 * n;
    const flags = out + (16 + KEY_HASH_SIZE) * n;
    return {
      count: n,
      offsets: new Float64Array(buffer, out, n).slice(),
      timestamps: new Float64Array(buffer, out + 8 * n, n).slice(),
      keyHashes: this.u8.slice(hashes, hashes + KEY_HASH_SIZE * n),
      flags: this.u8.slice(flags, flags + n),
    };
  }

  /**
   * Log compaction, second half: rewrites `segment` keeping the records whose keep[i] is nonzero
   * (i = record index in log order, as in scanRecords; keep.length must equal the record count).
   * Each batch is re-emitted with only its kept records: baseOffset, each record's offsetDelta,
   * firstTimestamp, lastOffsetDelta (the batch still spans its original offset range, as Kafka's
   * cleaner keeps it), attributes and producer fields unchanged; recordCount and batchLength
   * updated; maxTimestamp = max timestamp of the kept records; CRC-32C recomputed. A batch whose
   * records are all kept is copied unchanged; a batch left with no records is dropped. Returns
   * new bytes (a fresh Uint8Array; empty when nothing is kept).
   */
  rewriteSegment(segment: Uint8Array, keep: Uint8Array): Uint8Array {
    // Scratch: [segment | keep | output], each 16-byte aligned; the output is at most as long as the input.
    const inputRoom = (segment.length + 15) & ~15;
    const keepRoom = (keep.length + 15) & ~15;
    const ptr = this.load(segment, inputRoom - segment.length + keepRoom + segment.length);
    const count = this.wasm.countRecords(ptr, segment.length);
    if (count < 0) throw new Error(`log core: cannot rewrite segment: ${this.failure().message}`);
    if (count !== keep.length) throw new RangeError(`log core: keep mask has ${keep.length} entries, the segment holds ${count} records`);
    const keepPtr = ptr + inputRoom;
    this.u8.set(keep, keepPtr);
    const out = keepPtr + keepRoom;
    const written = this.wasm.rewriteSegment(ptr, segment.length, keepPtr, keep.length, out);
    if (written < 0) throw new Error(`log core: cannot rewrite segment: ${this.failure().message}`);
    return this.u8.slice(out, out + written);
  }

  /** The key hash scanRecords reports for `key` (KEY_HASH_SIZE bytes; all zero for null). */
  keyHash(key: Uint8Array | null, seed: number = KEY_HASH_SEED): Uint8Array {
    if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff))
      throw new RangeError(`log core: key hash seed ${seed} is not a uint32`);
    if (key === null) return new Uint8Array(KEY_HASH_SIZE);
    const room = (key.length + 15) & ~15;
    const ptr = this.load(key, room - key.length + KEY_HASH_SIZE);
    this.wasm.keyHash(ptr, key.length, seed, ptr + room);
    return this.u8.slice(ptr + room, ptr + room + KEY_HASH_SIZE);
  }

  /**
   * Fetch pages, step one: copies src[start, end) (a batch's records section) into scratch with
   * `outRoom` bytes of output region after it, and fills `section`'s addresses.
   */
  loadSection(src: Uint8Array, start: number, end: number, outRoom: number, section: PageSection): void {
    const room = (end - start + 15) & ~15;
    const ptr = this.load(src.subarray(start, end), room - (end - start) + outRoom);
    section.at = ptr;
    section.end = ptr + end - start;
    section.out = ptr + room;
    section.outEnd = ptr + room + outRoom;
  }

  /**
   * Step two: renders records index .. count - 1 of the loaded section from address `pos` as
   * JSON or MessagePack (assembly/page.ts) into its output region; `room` records at most,
   * `written` already on the page, each opening with `opener` (a fetch page's `{"offset":`, a
   * poll's with topic and partition first; at most PAGE_OPENER_CAP bytes). Returns PAGE_*, with
   * `step` filled.
   */
  renderRecords(
    json: boolean,
    s: PageSection,
    pos: number,
    index: number,
    from: number,
    room: number,
    written: number,
    step: PageStep,
    opener: Uint8Array,
  ): number {
    const w = this.wasm;
    if (opener !== this.opener) {
      if (opener.length > PAGE_OPENER_CAP) throw new RangeError(`a record opener of ${opener.length} bytes (at most ${PAGE_OPENER_CAP})`);
      this.u8.set(opener, this.openerPtr);
      this.opener = opener;
    }
    const r = w.renderRecords(
      json ? 1 : 0,
      pos,
      s.end,
      index,
      s.count,
      s.baseOffset,
      s.firstTimestamp,
      s.maxTimestamp,
      s.logAppendTime ? 1 : 0,
      from,
      room,
      written,
      s.out,
      s.outEnd,
      opener.length,
    );
    const v = this.view;
    const at = this.pagePtr;
    step.pos = v.getUint32(at, true);
    step.index = v.getInt32(at + 4, true);
    step.rendered = v.getInt32(at + 8, true);
    step.out = v.getUint32(at + 12, true);
    step.afterLast = v.getFloat64(at + 16, true);
    return r;
  }

  /** The module's memory [start, end), as a view valid until the next call that loads input. */
  bytesAt(start: number, end: number): Uint8Array {
    return this.u8.subarray(start, end);
  }
}

function entries(index: Uint8Array): number {
  if (index.length % INDEX_ENTRY_SIZE !== 0)
    throw new RangeError(`log core: index length ${index.length} is not a multiple of ${INDEX_ENTRY_SIZE}`);
  return index.length / INDEX_ENTRY_SIZE;
}
