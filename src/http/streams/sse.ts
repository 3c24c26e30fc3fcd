// GET ?live=sse: the stream as Server-Sent Events. Each batch of messages is a `data` event
// (text as is for text/* and JSON streams, base64 otherwise) followed by a `control` event with
// the next offset, cursor and up-to-date / closed state. The connection ends when the stream is
// closed and fully sent, or after about a minute so CDNs can collapse reconnects (PROTOCOL.md 5.8).
import type { Context } from "hono";
import { stream } from "hono/streaming";
import { formatOffset, type DsReadOk } from "../../core/streams/types.ts";
import { requireGrant } from "../auth/principal.ts";
import { isJsonStream, isTextStream, renderMessages } from "./body.ts";
import { responseCursor } from "./cursor.ts";
import { READ_CHUNK_BYTES, type ReadQuery } from "./read.ts";
import type { StreamStore } from "./store.ts";

const CONNECTION_MS = 60_000;

/**
 * One event. Every line of the payload gets its own `data:` field, so a payload's line breaks can
 * never end the event or inject another one; a line starting with a space keeps it (the parser
 * drops one space after the colon).
 */
function event(name: string, payload: string): string {
  const lines = payload.split(/\r\n|\r|\n/).map((line) => `data:${line.startsWith(" ") ? " " : ""}${line}\n`);
  return `event: ${name}\n${lines.join("")}\n`;
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export async function sseStream(c: Context, store: StreamStore, path: string, q: ReadQuery, longPollMs: number): Promise<Response> {
  requireGrant(c, "consume", `topic:${await store.topicName(path)}`);
  const readAt = (offset: number | "now", waitMs: number) =>
    store.call<DsReadOk>(path, (t) => ({
      op: "read",
      topic: t.name,
      partition: 0,
      epoch: t.epoch,
      path,
      offset,
      maxBytes: READ_CHUNK_BYTES,
      waitMs,
      touch: true,
    }));
  // The first read answers 404/410/400 as a plain response, before the event stream starts.
  const first = await readAt(q.offset, 0);
  const contentType = first.stream.contentType;
  const json = isJsonStream(contentType);
  const text = isTextStream(contentType);
  if (!text) c.header("stream-sse-data-encoding", "base64");
  c.header("cache-control", "no-cache");
  c.header("content-type", "text/event-stream");
  const decoder = new TextDecoder();
  const started = Date.now();

  return stream(c, async (sse) => {
    let aborted = false;
    sse.onAbort(() => {
      aborted = true;
    });
    let read: DsReadOk = first;
    for (let round = 0; !aborted; round++) {
      // A data event and its control event go out in one write, so a reader never sees one without the other.
      let out = "";
      if (read.messages.length > 0) {
        const body = renderMessages(read.messages, json);
        out += event("data", text ? decoder.decode(body) : base64(body));
      }
      const closed = read.stream.closed && read.upToDate;
      if (read.messages.length > 0 || round === 0 || closed) {
        const control: Record<string, unknown> = { streamNextOffset: formatOffset(read.next) };
        if (!closed) {
          control.streamCursor = responseCursor(q.cursor, Date.now());
        }
        if (read.upToDate) control.upToDate = true;
        if (closed) control.streamClosed = true;
        out += event("control", JSON.stringify(control));
      }
      if (out !== "") await sse.write(out);
      const left = CONNECTION_MS - (Date.now() - started);
      if (closed || left <= 0) break;
      try {
        read = await readAt(read.next, read.upToDate ? Math.min(longPollMs, left) : 0);
      } catch {
        break; // deleted or expired meanwhile: the stream ends
      }
    }
  });
}
