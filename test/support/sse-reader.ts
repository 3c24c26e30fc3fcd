// A minimal Server-Sent Events reader for the tests (the parsing rules of the HTML living standard,
// §9.2.6: fields up to ":", a leading space stripped, a blank line dispatches, ":" lines are comments).
export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

export type SseItem = SseEvent | { comment: string };

export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = "";
  private readonly queue: SseItem[] = [];
  done = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  /** The next event or comment; undefined when the stream ended. Throws after `timeoutMs`. */
  async next(timeoutMs = 5_000): Promise<SseItem | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      if (this.done) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for an SSE event");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out waiting for an SSE event")), left);
      });
      const chunk = await Promise.race([this.reader.read(), timeout]).finally(() => clearTimeout(timer));
      if (chunk.done) {
        this.done = true;
        this.parse(true);
      } else {
        this.buffer += this.decoder.decode(chunk.value, { stream: true });
        this.parse(false);
      }
    }
    return this.queue.shift();
  }

  /** The next event, skipping comments (heartbeats). */
  async nextEvent(timeoutMs = 5_000): Promise<SseEvent | undefined> {
    for (;;) {
      const item = await this.next(timeoutMs);
      if (item === undefined || !("comment" in item)) return item;
    }
  }

  /** Reads `n` events (skipping comments). */
  async events(n: number, timeoutMs = 5_000): Promise<SseEvent[]> {
    const out: SseEvent[] = [];
    while (out.length < n) {
      const e = await this.nextEvent(timeoutMs);
      if (!e) break;
      out.push(e);
    }
    return out;
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }

  private parse(final: boolean): void {
    for (;;) {
      const end = this.buffer.indexOf("\n\n");
      if (end < 0) break;
      this.dispatch(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end + 2);
    }
    if (final && this.buffer.trim() !== "") this.dispatch(this.buffer);
  }

  private dispatch(block: string): void {
    const event: SseEvent = { event: "message", data: "" };
    const data: string[] = [];
    let comment: string | undefined;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        comment = line.slice(1).trim();
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event.event = value;
      else if (field === "id") event.id = value;
      else if (field === "data") data.push(value);
    }
    if (data.length === 0 && comment !== undefined) {
      this.queue.push({ comment });
      return;
    }
    event.data = data.join("\n");
    this.queue.push(event);
  }
}
