// Forks (PROTOCOL.md 4.2): PUT with Stream-Forked-From creates a stream that starts with the
// source's messages up to Stream-Fork-Offset. The broker copies them into the fork's own topic
// (copy-on-fork), so a fork reads, tails and expires on its own and offsets below the fork offset
// are the same in both. The source counts its forks, so deleting it while forks remain leaves a
// tombstone (410) until the last fork is deleted.
//
// A fork is a read of its source: the caller needs consume on the source's topic, checked on the
// name before any lookup, so a refused fork answers exactly as a refused GET (403, whether or not
// the source exists). The bytes it copies are stored again under the caller's key, so they are
// charged to the key's byte quota like a request body of that size.
import type { Context } from "hono";
import { BrokerError } from "../../core/errors.ts";
import { parseOffset, type DsDeleted, type DsReadOk } from "../../core/streams/types.ts";
import { requireGrant } from "../auth/principal.ts";
import { isJsonStream } from "./body.ts";
import type { StreamStore } from "./store.ts";

export interface ForkRequest {
  path: string;
  offset: string | null;
  subOffset: number;
  contentType: string;
  ttlSeconds: number | null;
  expiresAt: string | null;
  messages: Uint8Array[];
  /** Bytes of the source's data the fork copies (the quota charge). */
  copiedBytes: number;
  addRef(): Promise<void>;
}

const COPY_CHUNK_BYTES = 1_048_576;
/** A fork's inherited data travels in its create call; Durable Object RPC carries at most 32 MiB. */
export const MAX_FORK_COPY_BYTES = 16 * 1_048_576;

export async function forkSource(c: Context, store: StreamStore): Promise<ForkRequest | undefined> {
  const from = c.req.header("stream-forked-from");
  const rawOffset = c.req.header("stream-fork-offset");
  const rawSub = c.req.header("stream-fork-sub-offset");
  if (from === undefined) {
    if (rawOffset !== undefined || rawSub !== undefined)
      throw new BrokerError("bad_request", "Stream-Fork-Offset and Stream-Fork-Sub-Offset need Stream-Forked-From");
    return undefined;
  }
  const path = from.replace(/^\/+/, "");
  if (path === "") throw new BrokerError("bad_request", "Stream-Forked-From: expected the source stream's path");
  requireGrant(c, "consume", `topic:${await store.topicName(path)}`);
  const parsed = rawOffset === undefined ? "now" : parseOffset(rawOffset);
  if (parsed === undefined || (rawOffset !== undefined && parsed === "now")) {
    throw new BrokerError("bad_request", `Stream-Fork-Offset: ${JSON.stringify(rawOffset)} is not an offset of this server`);
  }
  if (rawSub !== undefined && !/^\d{1,15}$/.test(rawSub)) {
    throw new BrokerError("bad_request", `Stream-Fork-Sub-Offset: expected a non-negative integer, got ${JSON.stringify(rawSub)}`);
  }
  const subOffset = rawSub === undefined ? 0 : Number(rawSub);

  const readAt = (offset: number) =>
    store
      .call<DsReadOk>(path, (t) => ({
        op: "read",
        topic: t.name,
        partition: 0,
        epoch: t.epoch,
        path,
        offset,
        maxBytes: COPY_CHUNK_BYTES,
        waitMs: 0,
        touch: false,
      }))
      .catch((err) => {
        if (err instanceof BrokerError && err.code === "stream_gone")
          throw new BrokerError("stream_conflict", `the source stream "${path}" was deleted; it cannot be forked`);
        throw err;
      });
  const first = await readAt(0);
  const tail = first.stream.next;
  const end = parsed === "now" ? tail : parsed;
  if (end > tail) throw new BrokerError("bad_request", `Stream-Fork-Offset: ${rawOffset} is beyond the source stream's tail`);
  const messages: Uint8Array[] = [];
  let copied = 0;
  let page = first;
  for (;;) {
    for (let i = 0; i < page.messages.length && page.offset + i < end; i++) {
      messages.push(page.messages[i]!);
      copied += page.messages[i]!.length;
    }
    if (copied > MAX_FORK_COPY_BYTES) {
      throw new BrokerError(
        "payload_too_large",
        `a fork copies the data it inherits, at most ${MAX_FORK_COPY_BYTES} bytes; fork at an earlier offset`,
        { limit: MAX_FORK_COPY_BYTES },
      );
    }
    if (page.next >= end || page.messages.length === 0) break;
    page = await readAt(page.next);
  }
  if (subOffset > 0) {
    const next = end < tail ? await readAt(end) : undefined;
    const json = isJsonStream(first.stream.contentType);
    const boundary = next?.messages[0];
    if (!boundary) throw new BrokerError("bad_request", "Stream-Fork-Sub-Offset: there is no data past Stream-Fork-Offset");
    if (json) {
      if (subOffset > next.messages.length)
        throw new BrokerError("bad_request", `Stream-Fork-Sub-Offset: ${subOffset} is past the next data boundary`);
      messages.push(...next.messages.slice(0, subOffset));
    } else {
      if (subOffset > boundary.length)
        throw new BrokerError(
          "bad_request",
          `Stream-Fork-Sub-Offset: ${subOffset} is past the next data boundary (${boundary.length} bytes)`,
        );
      messages.push(boundary.slice(0, subOffset));
    }
  }
  return {
    path,
    offset: parsed === "now" ? null : rawOffset!,
    subOffset,
    contentType: first.stream.contentType,
    ttlSeconds: first.stream.ttlSeconds,
    expiresAt: first.stream.expiresAt,
    messages,
    copiedBytes: messages.reduce((n, m) => n + m.length, 0),
    addRef: async () => {
      await store.call<DsDeleted>(path, (t) => ({ op: "fork-ref", topic: t.name, partition: 0, epoch: t.epoch, path, delta: 1 }));
    },
  };
}
