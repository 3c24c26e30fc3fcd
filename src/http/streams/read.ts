// GET (catch-up and long-poll reads) and HEAD (metadata) of a stream. SSE is in sse.ts.
import type { Context } from "hono";
import { BrokerError } from "../../core/errors.ts";
import { parseOffset, type DsReadOk } from "../../core/streams/types.ts";
import { principalOf, recordCharge, requireGrant } from "../auth/principal.ts";
import { isJsonStream, renderMessages } from "./body.ts";
import { responseCursor } from "./cursor.ts";
import { streamHeaders } from "./respond.ts";
import type { StreamStore } from "./store.ts";

/** Largest body of one read; the client continues from Stream-Next-Offset. */
export const READ_CHUNK_BYTES = 1_048_576;

export interface ReadQuery {
  offset: number | "now";
  rawOffset: string | undefined;
  live: "long-poll" | "sse" | undefined;
  cursor: string | undefined;
}

export function readQuery(c: Context): ReadQuery {
  const offsets = c.req.queries("offset") ?? [];
  if (offsets.length > 1) throw new BrokerError("bad_request", "offset: give one offset parameter");
  const raw = offsets[0];
  const offset = raw === undefined ? 0 : parseOffset(raw);
  if (offset === undefined)
    throw new BrokerError("bad_request", `offset: ${JSON.stringify(raw)} is not "-1", "now" or an offset this server issued`);
  const live = c.req.query("live");
  if (live !== undefined && live !== "long-poll" && live !== "sse")
    throw new BrokerError("bad_request", `live: expected "long-poll" or "sse", got ${JSON.stringify(live)}`);
  if (live && raw === undefined)
    throw new BrokerError("bad_request", `live=${live} needs an offset parameter (-1 for the start, now for the tail)`);
  return { offset, rawOffset: raw, live, cursor: c.req.query("cursor") };
}

export async function headStream(c: Context, store: StreamStore, path: string): Promise<Response> {
  requireGrant(c, "consume", `topic:${await store.topicName(path)}`);
  const read = await store.call<DsReadOk>(path, (t) => ({
    op: "read",
    topic: t.name,
    partition: 0,
    epoch: t.epoch,
    path,
    offset: "now",
    maxBytes: 1,
    waitMs: 0,
    touch: false,
  }));
  streamHeaders(c, read.stream, { expiry: true });
  c.header("cache-control", "no-store");
  c.header("etag", `"${read.stream.createdAt.toString(36)}:${read.stream.next}:${read.stream.closed ? "c" : "o"}"`);
  return c.body(null, 200);
}

function cacheControl(c: Context, atTail: boolean): string {
  if (atTail) return "no-cache";
  // Data before the tail never changes. Only anonymous answers may sit in shared caches.
  return principalOf(c).kind === "anonymous" ? "public, max-age=60, stale-while-revalidate=300" : "private, max-age=60";
}

export async function getStream(c: Context, store: StreamStore, path: string, q: ReadQuery, longPollMs: number): Promise<Response> {
  const topic = await store.topicName(path);
  requireGrant(c, "consume", `topic:${topic}`);
  const longPoll = q.live === "long-poll";
  const read = await store.call<DsReadOk>(path, (t) => ({
    op: "read",
    topic: t.name,
    partition: 0,
    epoch: t.epoch,
    path,
    offset: q.offset,
    maxBytes: READ_CHUNK_BYTES,
    waitMs: longPoll ? longPollMs : 0,
    touch: true,
  }));
  const json = isJsonStream(read.stream.contentType);
  const closedAtEnd = read.stream.closed && read.upToDate;
  streamHeaders(c, { ...read.stream, next: read.next, closed: closedAtEnd });
  if (read.upToDate) c.header("stream-up-to-date", "true");
  if (longPoll && !closedAtEnd) c.header("stream-cursor", responseCursor(q.cursor, Date.now()));

  if (longPoll && read.messages.length === 0) {
    // Timed out (or the stream is closed at this offset): nothing to send.
    c.header("content-type", undefined);
    return c.body(null, 204);
  }
  if (q.offset === "now" && !longPoll) {
    c.header("cache-control", "no-store");
    return c.body(renderMessages([], json) as Uint8Array<ArrayBuffer>, 200);
  }
  const etag = `"${read.stream.createdAt.toString(36)}:${read.offset}:${read.next}${closedAtEnd ? ":c" : ""}"`;
  c.header("etag", etag);
  c.header("cache-control", cacheControl(c, read.upToDate));
  if (c.req.header("if-none-match") === etag) {
    return c.body(null, 304);
  }
  const body = renderMessages(read.messages, json);
  recordCharge(c, body.length);
  return c.body(body as Uint8Array<ArrayBuffer>, 200);
}
