// Cuts a TCP byte stream from a Kafka client into whole frames (int32 size prefix + request), so
// kafka-proxy can send each as one WebSocket message as GET /v1/kafka expects.
export class FrameSplitter {
  private buffer = new Uint8Array(0);
  private readonly maxFrameBytes: number;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** The whole frames completed by `chunk`, each with its size prefix. Throws on a bad size. */
  push(chunk: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    const frames: Uint8Array[] = [];
    let at = 0;
    while (joined.length - at >= 4) {
      const size = new DataView(joined.buffer, at, 4).getInt32(0);
      if (size < 0 || size > this.maxFrameBytes) throw new Error(`frame size ${size} outside 0..${this.maxFrameBytes}`);
      if (joined.length - at < 4 + size) break;
      frames.push(joined.slice(at, at + 4 + size));
      at += 4 + size;
    }
    this.buffer = joined.slice(at);
    return frames;
  }
}
