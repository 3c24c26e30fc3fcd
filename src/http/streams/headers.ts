// The protocol's request headers, validated into plain values (every malformed one is a 400 that
// names the header), and the response headers every /ds answer carries.
import type { Context } from "hono";
import { BrokerError } from "../../core/errors.ts";
import type { DsProducer } from "../../core/streams/types.ts";

const DECIMAL = /^(0|[1-9]\d*)$/;
const DIGITS = /^\d+$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export const EXPOSED_HEADERS = [
  "Stream-Next-Offset",
  "Stream-Cursor",
  "Stream-Up-To-Date",
  "Stream-Closed",
  "Stream-TTL",
  "Stream-Expires-At",
  "Producer-Epoch",
  "Producer-Seq",
  "Producer-Expected-Seq",
  "Producer-Received-Seq",
  "ETag",
  "Location",
  "Content-Type",
];
export const ALLOWED_HEADERS = [
  "Authorization",
  "Content-Type",
  "If-None-Match",
  "Stream-Seq",
  "Stream-TTL",
  "Stream-Expires-At",
  "Stream-Closed",
  "Producer-Id",
  "Producer-Epoch",
  "Producer-Seq",
  "Stream-Forked-From",
  "Stream-Fork-Offset",
  "Stream-Fork-Sub-Offset",
];

/** `Stream-Closed: true` (any case) closes; any other value is treated as absent (PROTOCOL.md 4.1). */
export function closedHeader(c: Context): boolean {
  return c.req.header("stream-closed")?.trim().toLowerCase() === "true";
}

export function expiryHeaders(c: Context): { ttlSeconds: number | null; expiresAt: string | null } {
  const ttl = c.req.header("stream-ttl");
  const expires = c.req.header("stream-expires-at");
  if (ttl !== undefined && expires !== undefined) {
    throw new BrokerError("bad_request", "Stream-TTL and Stream-Expires-At exclude each other; send one");
  }
  let ttlSeconds: number | null = null;
  if (ttl !== undefined) {
    const n = Number(ttl);
    if (!DECIMAL.test(ttl) || !Number.isSafeInteger(n)) {
      throw new BrokerError(
        "bad_request",
        `Stream-TTL: expected a whole number of seconds without sign or leading zeros, got ${JSON.stringify(ttl)}`,
      );
    }
    ttlSeconds = n;
  }
  if (expires !== undefined && (!RFC3339.test(expires) || Number.isNaN(Date.parse(expires)))) {
    throw new BrokerError(
      "bad_request",
      `Stream-Expires-At: expected an RFC 3339 timestamp (e.g. 2030-01-01T00:00:00Z), got ${JSON.stringify(expires)}`,
    );
  }
  return { ttlSeconds, expiresAt: expires ?? null };
}

/** Producer-Id, Producer-Epoch and Producer-Seq: all three or none. */
export function producerHeaders(c: Context): DsProducer | undefined {
  const id = c.req.header("producer-id");
  const epoch = c.req.header("producer-epoch");
  const seq = c.req.header("producer-seq");
  if (id === undefined && epoch === undefined && seq === undefined) return undefined;
  if (id === undefined || epoch === undefined || seq === undefined) {
    throw new BrokerError("bad_request", "Producer-Id, Producer-Epoch and Producer-Seq go together; send all three or none");
  }
  if (id === "") throw new BrokerError("bad_request", "Producer-Id: must not be empty");
  const int = (name: string, raw: string) => {
    const n = Number(raw);
    if (!DIGITS.test(raw) || !Number.isSafeInteger(n))
      throw new BrokerError("bad_request", `${name}: expected an integer from 0 to 2^53-1, got ${JSON.stringify(raw)}`);
    return n;
  };
  return { id, epoch: int("Producer-Epoch", epoch), seq: int("Producer-Seq", seq) };
}

/** Headers on every /ds answer (PROTOCOL.md, browser security). */
export function securityHeaders(c: Context): void {
  c.header("x-content-type-options", "nosniff");
  c.header("cross-origin-resource-policy", "cross-origin");
}
