// Content negotiation: request bodies are read by Content-Type, responses written by Accept.
// JSON is the default; MessagePack under both registered names; raw Kafka batches for binary.
import type { Context } from "hono";
import { encode } from "@msgpack/msgpack";
import { BrokerError } from "../core/errors.ts";
import { parseJsonBody, parseMsgpackBody, type DecodeOptions } from "./body-decode.ts";

export const MEDIA = {
  json: "application/json",
  msgpack: "application/msgpack",
  msgpackVnd: "application/vnd.msgpack",
  batch: "application/vnd.kafka.record-batch",
} as const;

export type BodyKind = "json" | "msgpack" | "batch";

/** The body encoding named by Content-Type; anything else is a 415 that lists what is accepted. */
export function bodyKind(c: Context, allowed: BodyKind[]): BodyKind {
  const raw = c.req.header("content-type") ?? "";
  // The type as nearly every client writes it needs no splitting, trimming or case folding.
  const type = raw === MEDIA.json ? raw : raw.split(";")[0]!.trim().toLowerCase();
  const kind: BodyKind | undefined =
    type === MEDIA.json
      ? "json"
      : type === MEDIA.msgpack || type === MEDIA.msgpackVnd
        ? "msgpack"
        : type === MEDIA.batch
          ? "batch"
          : undefined;
  if (!kind || !allowed.includes(kind)) {
    const accepted = allowed.map((k) => (k === "msgpack" ? `${MEDIA.msgpack}, ${MEDIA.msgpackVnd}` : MEDIA[k])).join(", ");
    throw new BrokerError(
      "unsupported_media_type",
      `Content-Type ${type ? `"${type}"` : "(none)"} is not accepted here; use one of: ${accepted}`,
    );
  }
  return kind;
}

/**
 * Parses a JSON or MessagePack body into a plain value; malformed input is a 400 naming the
 * encoding, and input that could not be kept as sent (deep nesting, invalid UTF-8, NaN, inexact
 * integers) a 400 naming the problem (body-decode.ts).
 */
/** The request body's bytes; an empty body is refused. */
export async function bodyBytes(c: Context): Promise<Uint8Array> {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length === 0) throw new BrokerError("bad_request", "the request body is empty");
  return bytes;
}

export async function readStructuredBody(c: Context, kind: BodyKind, opts: DecodeOptions = {}): Promise<unknown> {
  const bytes = await bodyBytes(c);
  return kind === "json" ? parseJsonBody(bytes) : parseMsgpackBody(bytes, opts);
}

export type ResponseKind = "json" | "msgpack" | "batch";

/** Picks the response encoding from Accept; JSON unless the client asks for another we serve. */
export function responseKind(c: Context, allowBatch = false): ResponseKind {
  const accept = (c.req.header("accept") ?? "").toLowerCase();
  if (allowBatch && accept.includes(MEDIA.batch)) return "batch";
  if (accept.includes(MEDIA.msgpack) || accept.includes(MEDIA.msgpackVnd)) return "msgpack";
  return "json";
}

export function respond(c: Context, status: number, body: unknown, kind: ResponseKind = responseKind(c)): Response {
  if (kind === "msgpack") {
    return c.body(encode(body, { ignoreUndefined: true }) as Uint8Array<ArrayBuffer>, status as 200, { "content-type": MEDIA.msgpack });
  }
  return c.json(body, status as 200);
}

/** A body that must be an object; with `fields`, any other field is refused by name. */
export function asObject(body: unknown, fields?: string[]): Record<string, unknown> {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new BrokerError("bad_request", "the body must be an object");
  const unknown = fields && Object.keys(body).find((k) => !fields.includes(k));
  if (unknown) throw new BrokerError("bad_request", `${unknown}: unknown field (expected ${fields!.join(", ")})`);
  return body as Record<string, unknown>;
}
