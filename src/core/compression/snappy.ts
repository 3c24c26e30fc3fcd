// Kafka codec 2: snappy. Two encodings reach a broker: raw snappy blocks (librdkafka, kafkajs)
// and the xerial framing of Java's snappy-java (SnappyOutputStream): the 8-byte magic
// 82 'SNAPPY' 00, int32 version, int32 compatible version, then chunks of int32 big-endian
// length + one raw snappy block. Both are read.
//
// Raw blocks (google/snappy format_description.txt) are decoded here: snappyjs, used to compress,
// neither checks that a block fills the length it declares nor bounds its copies, so truncated
// or forged input would come back zero-filled instead of refused. Each block declares its
// uncompressed length first (a varint), which is checked against the room left before anything
// is allocated, and every literal and copy is checked against the input and that length.
/// <reference path="./snappyjs.d.ts" />
import { compress } from "snappyjs";
import { BoundedOutput, DecompressionError, limitError } from "./bounded-output.ts";

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
const XERIAL_HEADER = 16;

function isXerial(data: Uint8Array): boolean {
  if (data.length < XERIAL_HEADER) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

const bad = (message: string) => new DecompressionError("corrupt_compression", `snappy ${message}`);

/** Decodes one raw snappy block and appends it to `out`. */
function block(src: Uint8Array, out: BoundedOutput, limit: number): void {
  let s = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (s >= src.length || shift > 28) throw bad("block length varint is malformed");
    const b = src[s++]!;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (length > limit - out.length) throw limitError("snappy", limit);
  const dst = new Uint8Array(length);
  let d = 0;
  while (s < src.length) {
    const tag = src[s++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let len = (tag >> 2) + 1;
      if (len > 60) {
        const bytes = len - 60;
        if (s + bytes > src.length) throw bad("literal length runs past the block");
        len = 0;
        for (let i = 0; i < bytes; i++) len += src[s + i]! * 256 ** i;
        len += 1;
        s += bytes;
      }
      if (len > src.length - s || len > length - d) throw bad(`literal of ${len} bytes runs past the block`);
      if (len < 32) for (let i = 0; i < len; i++) dst[d + i] = src[s + i]!;
      else dst.set(src.subarray(s, s + len), d);
      s += len;
      d += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (s + 1 > src.length) throw bad("copy runs past the block");
      len = ((tag >> 2) & 7) + 4;
      offset = ((tag >> 5) << 8) | src[s++]!;
    } else {
      const bytes = kind === 2 ? 2 : 4;
      if (s + bytes > src.length) throw bad("copy runs past the block");
      len = (tag >> 2) + 1;
      offset = 0;
      for (let i = 0; i < bytes; i++) offset += src[s + i]! * 256 ** i;
      s += bytes;
    }
    if (offset === 0 || offset > d) throw bad(`copy offset ${offset} points before the output`);
    if (len > length - d) throw bad(`copy of ${len} bytes runs past the declared length ${length}`);
    if (offset >= len && len >= 32) dst.copyWithin(d, d - offset, d - offset + len);
    else for (let i = 0; i < len; i++) dst[d + i] = dst[d + i - offset]!;
    d += len;
  }
  if (d !== length) throw bad(`block declares ${length} bytes, holds ${d}`);
  out.push(dst);
}

export function unsnappyBounded(data: Uint8Array, limit: number): Uint8Array {
  const out = new BoundedOutput("snappy", limit);
  if (!isXerial(data)) {
    block(data, out, limit);
    return out.bytes();
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let p = XERIAL_HEADER;
  while (p < data.length) {
    if (p + 4 > data.length) throw new DecompressionError("corrupt_compression", `snappy (xerial) chunk header truncated at byte ${p}`);
    const size = view.getUint32(p);
    p += 4;
    if (size > data.length - p) throw new DecompressionError("corrupt_compression", `snappy (xerial) chunk of ${size} bytes at byte ${p - 4} runs past the end`);
    block(data.subarray(p, p + size), out, limit);
    p += size;
  }
  return out.bytes();
}

/** Raw snappy, as librdkafka and kafkajs write it (Java's SnappyInputStream reads it too). */
export function snappy(data: Uint8Array): Uint8Array {
  return compress(data);
}
