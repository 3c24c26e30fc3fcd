// A Kafka connection as a pure state machine over Uint8Array: the transport feeds it the bytes it
// receives and gives it a sink for bytes to send; it cuts frames (int32 size prefix, then the
// request), hands them one at a time, in arrival order, to a dispatcher, and sends each answer
// before starting the next request. That is how a Kafka broker treats a connection (it mutes the
// channel while a request is in progress): pipelined requests are answered in request order, and
// an idempotent producer's batches reach the partition in the order it sent them.
//
// Limits: a frame larger than maxFrameBytes closes the connection (its size is the first thing
// read, so nothing of it is buffered); more than maxQueued frames waiting asks the transport to
// pause reading until the queue drains; an idle timer closes a connection with no request for
// idleMs. Any failure closes the connection with a reason for the log; nothing thrown escapes.

export interface FrameDispatcher {
  /** A whole request frame (without its size prefix) → its response frame (with prefix), none, or a close. */
  dispatch(frame: Uint8Array): Promise<{ kind: "response"; frame: Uint8Array; close?: string } | { kind: "none" } | { kind: "close"; reason: string }>;
}

export interface ConnectionSink {
  send(bytes: Uint8Array): void;
  /** Closes the transport; `reason` is for the log. Called once. */
  close(reason: string): void;
  /** Optional backpressure: stop / start reading from the peer. */
  pause?(): void;
  resume?(): void;
}

export interface ConnectionLimits {
  maxFrameBytes: number;
  /** Frames received and not yet answered before the transport is paused. */
  maxQueued: number;
  /** Close after this long without a request (ms); 0 disables. */
  idleMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  // A produce request carries up to the broker's request limit (1 MiB by default) plus headers.
  maxFrameBytes: 8 * 1024 * 1024,
  maxQueued: 64,
  // Kafka's connections.max.idle.ms default is 10 minutes.
  idleMs: 600_000,
};

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const globalTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class KafkaConnection {
  private readonly dispatcher: FrameDispatcher;
  private readonly sink: ConnectionSink;
  private readonly limits: ConnectionLimits;
  private readonly timers: Timers;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private readonly queue: Uint8Array[] = [];
  private busy = false;
  private paused = false;
  private idle: unknown;
  closed = false;

  constructor(dispatcher: FrameDispatcher, sink: ConnectionSink, limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS, timers: Timers = globalTimers) {
    this.dispatcher = dispatcher;
    this.sink = sink;
    this.limits = limits;
    this.timers = timers;
    this.armIdle();
  }

  /** Bytes from the peer, in any chunking. */
  receive(chunk: Uint8Array): void {
    if (this.closed || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.closed && this.buffered >= 4) {
      const size = this.peekSize();
      if (size < 0) return this.close(`negative frame size ${size}`);
      if (size > this.limits.maxFrameBytes) return this.close(`frame of ${size} bytes exceeds the limit of ${this.limits.maxFrameBytes}`);
      if (this.buffered < 4 + size) break;
      const frame = this.take(4 + size).subarray(4);
      this.queue.push(frame);
    }
    if (this.queue.length >= this.limits.maxQueued && !this.paused) {
      this.paused = true;
      this.sink.pause?.();
    }
    // A throwing sink (a transport that failed under us) must not become an unhandled rejection.
    this.pump().catch((err) => this.close(`transport failed: ${(err as Error)?.message ?? String(err)}`));
  }

  /** The peer went away (or the transport failed): stop, drop queued requests. */
  end(reason = "peer closed the connection"): void {
    this.close(reason, false);
  }

  private peekSize(): number {
    const head = this.chunks[0]!.length >= 4 ? this.chunks[0]! : this.take(4, true);
    return new DataView(head.buffer, head.byteOffset, 4).getInt32(0);
  }

  /** Removes (or with `peek`, copies) the first n buffered bytes. */
  private take(n: number, peek = false): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (peek) return first;
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    let i = 0;
    while (filled < n) {
      const c = this.chunks[i]!;
      const part = Math.min(c.length, n - filled);
      out.set(c.subarray(0, part), filled);
      filled += part;
      if (!peek) {
        if (part === c.length) i++;
        else this.chunks[i] = c.subarray(part);
      } else i++;
    }
    if (!peek) {
      this.chunks = this.chunks.slice(i);
      this.buffered -= n;
    }
    return out;
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const frame = this.queue.shift()!;
        this.armIdle();
        let result;
        try {
          result = await this.dispatcher.dispatch(frame);
        } catch (err) {
          result = { kind: "close" as const, reason: `dispatcher failed: ${(err as Error)?.message ?? String(err)}` };
        }
        if (this.closed) return;
        if (result.kind === "close") return this.close(result.reason);
        if (result.kind === "response") {
          this.sink.send(result.frame);
          if (result.close) return this.close(result.close);
        }
        if (this.paused && this.queue.length < this.limits.maxQueued / 2) {
          this.paused = false;
          this.sink.resume?.();
        }
      }
    } finally {
      this.busy = false;
      this.armIdle();
    }
  }

  private armIdle(): void {
    if (this.idle !== undefined) this.timers.clearTimeout(this.idle);
    this.idle = undefined;
    if (this.closed || this.limits.idleMs <= 0 || this.busy) return;
    this.idle = this.timers.setTimeout(() => this.close(`idle for ${this.limits.idleMs} ms`), this.limits.idleMs);
  }

  private close(reason: string, notify = true): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idle !== undefined) this.timers.clearTimeout(this.idle);
    this.queue.length = 0;
    this.chunks = [];
    this.buffered = 0;
    if (notify) this.sink.close(reason);
  }
}
