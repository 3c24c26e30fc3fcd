// A WebSocket tail subscriber: queued messages, acks, the close code/reason. Over real HTTP (the
// WebSocket of Node ≥ 22, which may send headers) for the contract suite and the latency benchmark,
// and around the client end of an upgrade answered inside workerd for the Workers tests.

export interface Closed {
  code: number;
  reason: string;
}

export class WsSubscriber {
  readonly ws: WebSocket;
  private readonly queue: any[] = [];
  private wake: (() => void) | undefined;
  closed: Closed | undefined;
  /** When each message arrived (performance.now()), in order: for latency measurements. */
  onMessage: ((msg: any) => void) | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener("message", (e) => {
      const msg = JSON.parse(e.data as string);
      this.onMessage?.(msg);
      this.queue.push(msg);
      this.wake?.();
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.wake?.();
    });
  }

  /** The client end of a WebSocket upgrade answered in workerd (`response.webSocket`), accepted. */
  static accept(ws: WebSocket & { accept(): void }): WsSubscriber {
    ws.accept();
    return new WsSubscriber(ws);
  }

  /** Opens `url` (http:// or ws://) with a bearer token; rejects when the upgrade is refused. */
  static open(url: string, token: string): Promise<WsSubscriber> {
    const ws = new (WebSocket as unknown as new (url: string, init: { headers: Record<string, string> }) => WebSocket)(
      url.replace(/^http/, "ws"),
      { headers: { authorization: `Bearer ${token}` } },
    );
    const sub = new WsSubscriber(ws);
    return new Promise((resolve, reject) => {
      ws.addEventListener("open", () => resolve(sub), { once: true });
      ws.addEventListener("error", () => reject(new Error(`WebSocket to ${url} failed`)), { once: true });
    });
  }

  /** The next message, or undefined once the socket closed with nothing left. */
  async next(timeoutMs = 10_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      if (this.closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a WebSocket message");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.queue.shift();
  }

  /**
   * Collects records until `count` arrived, acking each message as a well-behaved client does
   * (unless `ack` is false); every message must be records whose `next_offset` follows the last.
   */
  async records(count: number, timeoutMs = 10_000, ack = true): Promise<any[]> {
    const out: any[] = [];
    while (out.length < count) {
      const msg = await this.next(timeoutMs);
      if (msg === undefined) throw new Error(`closed after ${out.length} records: ${JSON.stringify(this.closed)}`);
      if (msg.type !== "records") throw new Error(`expected records, got ${JSON.stringify(msg)}`);
      const last = msg.records[msg.records.length - 1];
      // Past the last record; further when the read ended in batches with nothing to show (a
      // transaction marker, an aborted transaction's data under read_committed).
      if (!(msg.next_offset >= last.offset + 1)) throw new Error(`next_offset ${msg.next_offset} does not follow offset ${last.offset}`);
      out.push(...msg.records);
      if (ack) this.ack(msg.next_offset);
    }
    return out;
  }

  ack(offset: number): void {
    this.ws.send(JSON.stringify({ type: "ack", offset }));
  }

  async waitClosed(timeoutMs = 10_000): Promise<Closed> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error("the socket did not close");
      await this.next(Math.max(1, deadline - Date.now())).catch(() => undefined);
    }
    return this.closed;
  }

  close(): void {
    try {
      this.ws.close(1000, "done");
    } catch {
      // already closed
    }
  }
}
