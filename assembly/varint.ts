// Kafka's variable-length integers (record fields of RecordBatch v2, KIP-98): protobuf base-128
// varints, least significant group first, with ZigZag encoding of the signed value
// (https://protobuf.dev/programming-guides/encoding/#varints; Kafka's ByteUtils.readVarint /
// readVarlong). A varint (int32) takes at most 5 bytes, a varlong (int64) at most 10; like Kafka we
// reject longer encodings rather than silently wrapping.
//
// A decoder must return two things (value, new position) and report failure. Returning a tuple
// would allocate, so the position and the ok flag go to module globals that the caller reads
// right after the call; the record walk runs this for every field of every record.

/** Position just after the last decoded varint. */
export let varPos: usize = 0;
/** False when the last decode ran past `end` or was over-long. */
export let varOk: bool = true;

/** Reads a zigzag varint (int32) at p, not reading at or past end. */
export function readVarint(p: usize, end: usize): i32 {
  if (p < end) {
    const b0 = <u32>load<u8>(p);
    // Fast path: most lengths and deltas fit one byte.
    if (b0 < 0x80) {
      varPos = p + 1;
      varOk = true;
      return <i32>(b0 >>> 1) ^ -<i32>(b0 & 1);
    }
  }
  let raw: u32 = 0;
  let shift: u32 = 0;
  for (let i = 0; i < 5; i++) {
    if (p >= end) break;
    const b = <u32>load<u8>(p++);
    raw |= (b & 0x7f) << shift;
    if (b < 0x80) {
      varPos = p;
      varOk = true;
      return <i32>(raw >>> 1) ^ -<i32>(raw & 1);
    }
    shift += 7;
  }
  varOk = false;
  return 0;
}

/** Reads a zigzag varlong (int64) at p, not reading at or past end. */
export function readVarlong(p: usize, end: usize): i64 {
  let raw: u64 = 0;
  let shift: u64 = 0;
  for (let i = 0; i < 10; i++) {
    if (p >= end) break;
    const b = <u64>load<u8>(p++);
    raw |= (b & 0x7f) << shift;
    if (b < 0x80) {
      varPos = p;
      varOk = true;
      return <i64>(raw >>> 1) ^ -<i64>(raw & 1);
    }
    shift += 7;
  }
  varOk = false;
  return 0;
}
