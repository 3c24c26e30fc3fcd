// Answers of the /ds routes: the protocol's headers on success, and on failure the broker's JSON
// error body plus the headers the protocol defines for that failure (Stream-Closed on a closed
// stream, Producer-Epoch on a stale epoch, the expected and received sequence on a gap).
import type { Context } from "hono";
import { BrokerError, ERRORS } from "../../core/errors.ts";
import { formatOffset, type DsStreamView } from "../../core/streams/types.ts";
import { noteError } from "../metrics/http-metrics.ts";

export function streamHeaders(c: Context, stream: DsStreamView, options: { expiry?: boolean } = {}): void {
  c.header("content-type", stream.contentType);
  c.header("stream-next-offset", formatOffset(stream.next));
  if (stream.closed) c.header("stream-closed", "true");
  if (options.expiry) {
    if (stream.ttlSeconds !== null) c.header("stream-ttl", String(stream.ttlSeconds));
    if (stream.expiresAt !== null) c.header("stream-expires-at", stream.expiresAt);
  }
}

export function errorResponse(c: Context, err: unknown): Response {
  if (!(err instanceof BrokerError)) throw err;
  noteError(c, err.code);
  const headers: Record<string, string> = { "content-type": "application/json" };
  const extra = err.extra;
  if (err.code === "stream_closed") {
    headers["stream-closed"] = "true";
    if (typeof extra.next === "number") headers["stream-next-offset"] = formatOffset(extra.next);
  }
  if (err.code === "producer_stale_epoch") headers["producer-epoch"] = String(extra.epoch);
  if (err.code === "producer_sequence_gap") {
    headers["producer-expected-seq"] = String(extra.expected);
    headers["producer-received-seq"] = String(extra.received);
  }
  if (err.code === "rate_limited") headers["retry-after"] = String(Math.max(1, Math.ceil(Number(extra.retry_after_ms ?? 1000) / 1000)));
  const status = ERRORS[err.code].status;
  c.header("x-content-type-options", "nosniff");
  if (c.req.method === "HEAD") return c.body(null, status as 400, headers);
  return c.body(JSON.stringify({ error: { code: err.code, message: err.message } }), status as 400, headers);
}
