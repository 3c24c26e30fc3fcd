// Collects a decompressor's output and refuses it the moment it passes a limit, so a small
// compressed batch that expands without end (a decompression bomb) costs at most `limit` bytes
// of memory plus one chunk, never the size it claims or the size it would reach.

export type DecompressionReason = "corrupt_compression" | "decompression_limit" | "unsupported_compression";

/** A batch's compressed records could not be decompressed, or decompressed past the limit. */
export class DecompressionError extends Error {
  readonly reason: DecompressionReason;
  constructor(reason: DecompressionReason, message: string) {
    super(message);
    this.name = "DecompressionError";
    this.reason = reason;
  }
}

export function limitError(codec: string, limit: number): DecompressionError {
  return new DecompressionError("decompression_limit", `${codec} records decompress to more than the limit of ${limit} bytes`);
}

/** Wraps a codec library's own exception (truncated input, bad tables) as a corrupt batch. */
export function corrupt(codec: string, cause: unknown): DecompressionError {
  if (cause instanceof DecompressionError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new DecompressionError("corrupt_compression", `${codec} records do not decompress: ${detail}`);
}

export class BoundedOutput {
  private chunks: Uint8Array[] = [];
  private total = 0;
  private readonly codec: string;
  private readonly limit: number;
  constructor(codec: string, limit: number) {
    this.codec = codec;
    this.limit = limit;
  }

  get length(): number {
    return this.total;
  }

  /** Refuses before the caller allocates `bytes` more (a size the input declares). */
  reserve(bytes: number): void {
    if (this.total + bytes > this.limit) throw limitError(this.codec, this.limit);
  }

  push(chunk: Uint8Array): void {
    this.reserve(chunk.length);
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  bytes(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.total);
    let p = 0;
    for (const c of this.chunks) {
      out.set(c, p);
      p += c.length;
    }
    return out;
  }
}
