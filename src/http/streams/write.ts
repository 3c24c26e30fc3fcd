// PUT (create, or fork), POST (append / close) and DELETE of a stream.
import type { Context } from "hono";
import { BrokerError } from "../../core/errors.ts";
import { formatOffset, type DsAppended, type DsCreated, type DsDeleted } from "../../core/streams/types.ts";
import { requireGrant } from "../auth/principal.ts";
import { bodyMessages, isJsonStream } from "./body.ts";
import { forkSource, type ForkRequest } from "./fork.ts";
import { closedHeader, expiryHeaders, producerHeaders } from "./headers.ts";
import { streamHeaders } from "./respond.ts";
import type { StreamStore } from "./store.ts";
import type { Wakes } from "./wakes.ts";
import { concatBytes } from "../../core/bytes.ts";

const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/** How much of an over-limit body is read and discarded before answering 413 (see bodyBytes). */
const DRAIN_LIMIT_BYTES = 64 * 1_048_576;

/**
 * The request body, at most `maxBytes` of it kept in memory. An over-limit body is refused with
 * 413 after the rest of it was read and discarded: answering while the client is still sending
 * makes HTTP clients see a reset connection instead of the 413.
 */
async function bodyBytes(c: Context, maxBytes: number): Promise<Uint8Array> {
  const stream = c.req.raw.body;
  if (!stream) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > DRAIN_LIMIT_BYTES) {
      await reader.cancel().catch(() => undefined);
      break;
    }
    if (total <= maxBytes) parts.push(value);
  }
  if (total > maxBytes) {
    throw new BrokerError("payload_too_large", `the request body exceeds the limit of ${maxBytes} bytes (maxRequestBytes)`, {
      limit: maxBytes,
    });
  }
  return concatBytes(parts, total);
}

export async function createStream(c: Context, store: StreamStore, wakes: Wakes, path: string, maxBytes: number): Promise<Response> {
  requireGrant(c, "admin", `topic:${await store.topicName(path)}`);
  const { ttlSeconds, expiresAt } = expiryHeaders(c);
  const closed = closedHeader(c);
  const fork: ForkRequest | undefined = await forkSource(c, store);
  const contentType = c.req.header("content-type") ?? fork?.contentType ?? DEFAULT_CONTENT_TYPE;
  if (
    fork &&
    c.req.header("content-type") !== undefined &&
    fork.contentType.split(";")[0]!.trim().toLowerCase() !== contentType.split(";")[0]!.trim().toLowerCase()
  ) {
    throw new BrokerError("stream_conflict", `Content-Type ${contentType} differs from the source stream's ${fork.contentType}`);
  }
  const own = bodyMessages(await bodyBytes(c, maxBytes), isJsonStream(contentType), true);
  // The copy is charged before it is stored, and awaited, so the next request of the key already
  // sees the debt (a quota refusal is 429 at authentication).
  if (fork && fork.copiedBytes > 0) await store.chargeKey(c, fork.copiedBytes);
  // A fork without its own expiry inherits the source's (PROTOCOL.md 4.2).
  const expiry =
    fork && ttlSeconds === null && expiresAt === null
      ? { ttlSeconds: fork.ttlSeconds, expiresAt: fork.expiresAt }
      : { ttlSeconds, expiresAt };
  const request = (attempt: number): Promise<DsCreated> =>
    store.ensureTopic(path).then((topic) =>
      topic.partitions !== 1
        ? Promise.reject(
            new BrokerError("stream_conflict", `topic "${topic.name}" has ${topic.partitions} partitions; a stream's topic has one`),
          )
        : store
            .call<DsCreated>(path, (t) => ({
              op: "create",
              topic: t.name,
              partition: 0,
              epoch: t.epoch,
              path,
              contentType,
              ...expiry,
              closed,
              messages: fork ? [...fork.messages, ...own] : own,
              fork: fork ? { of: fork.path, offset: fork.offset, subOffset: fork.subOffset } : undefined,
            }))
            .catch(async (err): Promise<DsCreated> => {
              // The path's previous stream expired: its topic goes, and the stream is created anew.
              if (attempt === 0 && err instanceof BrokerError && err.code === "stream_not_found" && err.extra.expired) {
                await store.dropTopic(path, topic.epoch);
                return request(1);
              }
              throw err;
            }),
    );
  const created = await request(0);
  if (fork && created.created) await fork.addRef();
  if (created.created) wakes.appended(c, path, 0, created.stream.next);
  streamHeaders(c, created.stream);
  if (created.created) c.header("location", new URL(c.req.url).toString());
  return c.body(null, created.created ? 201 : 200);
}

export async function appendStream(c: Context, store: StreamStore, wakes: Wakes, path: string, maxBytes: number): Promise<Response> {
  requireGrant(c, "produce", `topic:${await store.topicName(path)}`);
  const close = closedHeader(c);
  const producer = producerHeaders(c);
  const seq = c.req.header("stream-seq");
  const bytes = await bodyBytes(c, maxBytes);
  if (bytes.length === 0 && !close)
    throw new BrokerError("bad_request", "the body is empty; an append needs bytes (or Stream-Closed: true to close the stream)");
  const contentType = c.req.header("content-type");
  if (bytes.length > 0 && contentType === undefined)
    throw new BrokerError("bad_request", "Content-Type is required on an append with a body");
  const json = contentType !== undefined && isJsonStream(contentType);
  const messages = bytes.length > 0 ? bodyMessages(bytes, json, false) : [];
  const result = await store.call<DsAppended>(path, (t) => ({
    op: "append",
    topic: t.name,
    partition: 0,
    epoch: t.epoch,
    path,
    contentType: bytes.length > 0 ? contentType : undefined,
    messages,
    close,
    streamSeq: seq,
    producer,
  }));
  c.header("stream-next-offset", formatOffset(result.stream.next));
  if (result.stream.closed) c.header("stream-closed", "true");
  if (!result.duplicate) wakes.appended(c, path, result.stream.next - messages.length, result.stream.next);
  if (producer) {
    c.header("producer-epoch", String(result.producer?.epoch ?? producer.epoch));
    c.header("producer-seq", String(result.producer?.seq ?? producer.seq));
    // A close-only request answers 204 like any close; an append answers 200, or 204 for a duplicate.
    return c.body(null, result.duplicate || messages.length === 0 ? 204 : 200);
  }
  return c.body(null, 204);
}

export async function deleteStream(c: Context, store: StreamStore, path: string): Promise<Response> {
  requireGrant(c, "admin", `topic:${await store.topicName(path)}`);
  const deleted = await store.call<DsDeleted>(path, (t) => ({ op: "delete", topic: t.name, partition: 0, epoch: t.epoch, path }));
  await release(store, path, deleted);
  return c.body(null, 204);
}

/**
 * After a stream is deleted for good (or a tombstone's last fork went): its topic goes, and its
 * source, if it was a fork, loses a reference, which may in turn free a deleted source.
 */
export async function release(store: StreamStore, path: string, result: DsDeleted): Promise<void> {
  if (result.dropTopic) await store.dropTopic(path);
  if (!result.dropTopic || result.forkOf === null) return;
  const source = result.forkOf;
  const next = await store
    .call<DsDeleted>(source, (t) => ({ op: "fork-ref", topic: t.name, partition: 0, epoch: t.epoch, path: source, delta: -1 }))
    .catch(() => undefined);
  if (next) await release(store, source, next);
}
