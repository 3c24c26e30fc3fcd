// Portable wrapper around the AssemblyScript log core (assembly/, built to build/edgebroker.wasm).
// Plain WebAssembly API only, so it runs unchanged in Workers, Node and browsers. The Wasm module
// owns the validation logic; this file copies inputs into its scratch area, calls one export and
// turns the result (or the STATUS block the module fills on failure) into JS values.

export const BATCH_HEADER_SIZE = 61;
export const INDEX_ENTRY_SIZE = 16;

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
  | "empty_batch";

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

export type CheckResult = { ok: true } | { ok: false; position: number; code: BatchErrorCode; message: string };

// Index = numeric code written by the Wasm module (assembly/errors.ts E_*).
const CODES: readonly BatchErrorCode[] = [
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
];

// Index = field code (assembly/errors.ts F_*).
const FIELDS = ["", "record length", "record attributes", "timestampDelta", "offsetDelta", "key", "value", "headerCount", "header key", "header value"];

const hex = (n: number) => "0x" + (n >>> 0).toString(16).padStart(8, "0");

// Index = reason code (assembly/errors.ts R_*); a, b and field as documented there.
const REASONS: readonly ((a: number, b: number, field: string) => string)[] = [
  () => "unknown error",
  () => "empty input",
  (a, b) => `only ${a} bytes left, a batch header needs ${b}`,
  (a) => `magic byte is ${a}, only RecordBatch v2 (magic 2) is supported`,
  (a, b) => `batchLength ${a} is smaller than the minimum ${b}`,
  (a, b) => `batchLength ${a} runs past the end of the buffer (${b} bytes available)`,
  (a, b) => `CRC-32C mismatch (stored ${hex(a)}, computed ${hex(b)})`,
  (a) => `compressed batches are not supported (attributes ${hex(a)}, codec ${a & 7})`,
  (a) => `transactional and control batches are not supported (attributes ${hex(a)})`,
  () => "recordCount is 0",
  (a) => `recordCount ${a} is negative`,
  (a) => `firstTimestamp ${a} is negative`,
  (a, b) => `timestampDelta ${a} gives a negative or overflowing timestamp (firstTimestamp ${b})`,
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
];

interface Exports {
  memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  status(): number;
  crc32c(ptr: number, len: number): number;
  validateBatches(ptr: number, len: number): number;
  checkBatches(ptr: number, len: number): number;
  patchBaseOffsets(ptr: number, len: number, baseOffset: number): number;
  buildIndex(ptr: number, len: number, out: number, segmentBase: number): number;
  locate(idx: number, count: number, relativeOffset: number): number;
  locateTimestamp(idx: number, count: number, ts: number): number;
}

interface Failure {
  code: BatchErrorCode;
  batch: number;
  position: number;
  message: string;
}

const I64_LIMIT = 9.2e18; // |values| clamped below 2^63 before the f64 -> i64 conversion in Wasm

/** Reads a big-endian int64 as a JS number (exact below 2^53) without allocating a BigInt. */
function int64(view: DataView, at: number): number {
  return view.getInt32(at) * 4294967296 + view.getUint32(at + 4);
}

export class LogCore {
  private readonly wasm: Exports;
  private readonly statusPtr: number;
  private u8: Uint8Array;
  private view: DataView;

  private constructor(instance: WebAssembly.Instance) {
    this.wasm = instance.exports as unknown as Exports;
    this.statusPtr = this.wasm.status();
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

  private failure(offset = 0): Failure {
    const v = this.view;
    const s = this.statusPtr;
    const code = CODES[v.getInt32(s, true)] ?? "batch_truncated";
    const reason = REASONS[v.getInt32(s + 4, true)] ?? REASONS[0];
    const batch = v.getInt32(s + 8, true);
    const position = v.getInt32(s + 12, true) + offset;
    const record = v.getInt32(s + 16, true);
    const at = v.getInt32(s + 20, true) + offset;
    const field = FIELDS[v.getInt32(s + 24, true)] ?? "";
    const a = Number(v.getBigInt64(s + 32, true));
    const b = Number(v.getBigInt64(s + 40, true));
    const where = record >= 0 ? `batch ${batch} at byte ${position}: record ${record} (byte ${at})` : `batch ${batch} at byte ${position}`;
    return { code, batch, position, message: `${where}: ${reason(a, b, field)}` };
  }

  crc32c(bytes: Uint8Array): number {
    return this.wasm.crc32c(this.load(bytes), bytes.length) >>> 0;
  }

  /** bytes = one or more concatenated RecordBatch v2, consumed exactly; full validation incl. every record. */
  validateBatches(bytes: Uint8Array): ValidationResult {
    const ptr = this.load(bytes);
    const n = this.wasm.validateBatches(ptr, bytes.length);
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
}

function entries(index: Uint8Array): number {
  if (index.length % INDEX_ENTRY_SIZE !== 0) throw new RangeError(`log core: index length ${index.length} is not a multiple of ${INDEX_ENTRY_SIZE}`);
  return index.length / INDEX_ENTRY_SIZE;
}
