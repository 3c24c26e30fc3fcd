// POST /v1/topics/{topic}/records — JSON / MessagePack records are partitioned (murmur2 for keyed
// records, one random partition per request for unkeyed ones, like Kafka's sticky partitioner),
// encoded into one RecordBatch v2 per partition and appended in parallel. Raw RecordBatch v2 bodies
// go to the `partition` query parameter's partition untouched.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { BlankEnv } from "hono/types";
import { BrokerError } from "../../core/errors.ts";
import { partitionForKey } from "../../core/topics/partitioner.ts";
import { encodeBatch, encodeSpans, readBatchHeader, TRANSACTIONAL_FLAG } from "../../core/batch/record-batch.ts";
import { unwrap } from "../../core/errors.ts";
import { requireTxnGrant, transactionalIdParam, txnObject } from "../txn/identity.ts";
import type { TopicInfo } from "../../core/topics/registry.ts";
import { bodyBytes, bodyKind, readStructuredBody, respond, responseKind } from "../content.ts";
import type { AppDeps } from "../deps.ts";
import { intParam, partitionParam } from "../params.ts";
import { BareValues, parseJsonProduce, parseProduceBody, type ProduceRecord } from "./produce-body.ts";
import { offsetRunJson } from "./offsets-json.ts";
import { requireGrant } from "../auth/principal.ts";
import type { TopicCache } from "../topics/topic-cache.ts";
import { openApp, openRoute } from "../openapi/route.ts";
import { produceRoute } from "./schemas.ts";

interface Offset {
  partition: number;
  offset: number;
}

/** The offsets of `count` records appended in order to one partition from `base` on. */
interface OffsetRun {
  partition: number;
  base: number;
  count: number;
}

/**
 * The JSON answer `{"offsets": [...], "duplicate"?: true}` exactly as JSON.stringify writes it,
 * without an object per offset: for 1,000-record requests building and stringifying those was
 * a fifth of the JSON path's own work (issue #20; 7× cheaper on Node 22 written out so). A run of
 * offsets, the answer to a body of bare values, is written as bytes (offsets-json.ts).
 */
function offsetsJson(offsets: Offset[], duplicate: boolean): string {
  let s = '{"offsets":[';
  for (let i = 0; i < offsets.length; i++) {
    const o = offsets[i]!;
    s += `${i === 0 ? "" : ","}{"partition":${o.partition},"offset":${o.offset}}`;
  }
  return `${s}]${duplicate ? ',"duplicate":true' : ""}}`;
}

/** The encoders' CRC for batches whose CRC the partition fills in (AppendRequest.fillCrc). */
const unsealed = (): number => 0;

function expand(offsets: Offset[] | OffsetRun): Offset[] {
  if (Array.isArray(offsets)) return offsets;
  return Array.from({ length: offsets.count }, (_, n) => ({ partition: offsets.partition, offset: offsets.base + n }));
}

/** A record's own `partition` wins, then the request's `?partition=`, then the key's hash. */
function choosePartitions(records: ProduceRecord[], topic: TopicInfo, requested: number | undefined): number[] {
  const sticky = Math.floor(Math.random() * topic.partitions);
  return records.map((r, i) => {
    if (r.partition === undefined && requested !== undefined) return requested;
    if (r.partition !== undefined) {
      if (r.partition >= topic.partitions) {
        throw new BrokerError(
          "partition_not_found",
          `records[${i}].partition: topic "${topic.name}" has partitions 0 to ${topic.partitions - 1}`,
        );
      }
      return r.partition;
    }
    return r.key ? partitionForKey(r.key, topic.partitions) : sticky;
  });
}

const PRODUCER_HEADERS = [
  ["producer-id", "producerId", Number.MAX_SAFE_INTEGER],
  ["producer-epoch", "producerEpoch", 32_767],
  ["producer-seq", "baseSequence", 2_147_483_647],
] as const;

/** The idempotent-producer headers (README.md), all three or none. */
function producerHeaders(c: Context): { producerId: number; producerEpoch: number; baseSequence: number } | undefined {
  const values = PRODUCER_HEADERS.map(([header]) => c.req.header(header));
  if (values.every((v) => v === undefined)) return undefined;
  if (values.some((v) => v === undefined)) {
    const missing = PRODUCER_HEADERS.filter((_, i) => values[i] === undefined).map(([h]) => h);
    throw new BrokerError("invalid_parameter", `Producer-Id, Producer-Epoch and Producer-Seq go together; missing ${missing.join(", ")}`);
  }
  const out = { producerId: 0, producerEpoch: 0, baseSequence: 0 };
  PRODUCER_HEADERS.forEach(([header, field, max], i) => (out[field] = intParam(header, values[i], { max })));
  return out;
}

/**
 * An idempotent request must land on one partition, and on the same one when retried: so its
 * partition is explicit (?partition=, every record's `partition`), follows from keys, or the topic
 * has a single partition. Unkeyed records are otherwise spread at random, which a retry would not repeat.
 */
function requireOnePartition(records: ProduceRecord[] | BareValues, topic: TopicInfo, explicit: boolean, partitions: number): void {
  const deterministic =
    explicit ||
    topic.partitions === 1 ||
    (!(records instanceof BareValues) && records.every((r) => r.partition !== undefined || r.key !== null));
  if (!deterministic || partitions !== 1) {
    throw new BrokerError(
      "bad_request",
      "an idempotent produce request (Producer-Id headers) must go to exactly one partition: set ?partition=N, or the same partition on every record",
    );
  }
}

/** The Transactional-Id header (docs/transactions.md): the id, checked and authorized, or undefined. */
function transactionalHeader(c: Context): string | undefined {
  const raw = c.req.header("transactional-id");
  if (raw === undefined) return undefined;
  const id = transactionalIdParam(raw);
  requireTxnGrant(c, id);
  return id;
}

/**
 * AddPartitionsToTxn before a transactional append: the coordinator checks the producer is the
 * id's current incarnation (a zombie is refused here, whatever partition it writes to) and
 * records the partition, so the transaction's marker reaches it.
 */
async function addToTransaction(
  deps: AppDeps,
  transactionalId: string,
  producerId: number,
  producerEpoch: number,
  topic: TopicInfo,
  partition: number,
): Promise<void> {
  unwrap(
    await txnObject(deps, transactionalId).addPartitions({
      transactionalId,
      producerId,
      producerEpoch,
      partitions: [{ topic: topic.name, partition, epoch: topic.epoch }],
    }),
  );
}

/** A binary body's producer: every batch transactional with one producer id and epoch (or none transactional). */
function batchProducer(bytes: Uint8Array): { transactional: boolean; producerId: number; producerEpoch: number } {
  let pos = 0;
  let first: { transactional: boolean; producerId: number; producerEpoch: number } | undefined;
  while (pos + 61 <= bytes.length) {
    let h: ReturnType<typeof readBatchHeader>;
    try {
      h = readBatchHeader(bytes, pos);
    } catch {
      break; // malformed: the partition's validation names what is wrong
    }
    const here = { transactional: (h.attributes & TRANSACTIONAL_FLAG) !== 0, producerId: h.producerId, producerEpoch: h.producerEpoch };
    if (
      first &&
      (first.transactional !== here.transactional || first.producerId !== here.producerId || first.producerEpoch !== here.producerEpoch)
    ) {
      throw new BrokerError("bad_request", "a transactional request's batches must all be transactional, from one producer id and epoch");
    }
    first ??= here;
    if (h.size <= 0) break;
    pos += h.size;
  }
  return first ?? { transactional: false, producerId: -1, producerEpoch: -1 };
}

export function produceRoutes(deps: AppDeps, topics: TopicCache): OpenAPIHono {
  const app = openApp();

  // `plain`: the request has no query string and none of the Producer-* headers (the fast path
  // below checked), so neither is read again: three header look-ups and a query parse fewer.
  const produce = async (c: Context<BlankEnv, "/:topic/records">, plain = false): Promise<Response> => {
    const name = c.req.param("topic");
    requireGrant(c, "produce", `topic:${name}`);
    const kind = bodyKind(c, ["json", "msgpack", "batch"]);
    const producer = plain ? undefined : producerHeaders(c);
    const transactionalId = transactionalHeader(c);
    if (transactionalId && kind !== "batch" && !producer) {
      throw new BrokerError(
        "bad_request",
        "Transactional-Id needs the Producer-Id, Producer-Epoch and Producer-Seq headers (from POST /v1/transactions/{id}/init)",
      );
    }
    if (kind === "batch") {
      if (producer) {
        throw new BrokerError(
          "bad_request",
          "Producer-Id/Producer-Epoch/Producer-Seq headers apply to JSON and MessagePack; a RecordBatch carries them in its producerId, producerEpoch and baseSequence fields",
        );
      }
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      if (bytes.length === 0) throw new BrokerError("invalid_batch", "the body holds no record batch");
      // A transactional batch must be known to its coordinator, or no marker would ever close it.
      const owner = bytes.length >= 61 ? batchProducer(bytes) : undefined;
      if (owner?.transactional && !transactionalId)
        throw new BrokerError("invalid_txn_state", "a transactional batch (attributes bit 4) needs the Transactional-Id header");
      if (transactionalId && !owner?.transactional)
        throw new BrokerError(
          "invalid_txn_state",
          "with Transactional-Id every batch must have the transactional attribute (bit 4) and the producer's id and epoch",
        );
      const result = await topics.withTopic(name, async (topic) => {
        // A single-partition topic needs no `partition` parameter; any other must say which one.
        const raw = (plain ? undefined : c.req.query("partition")) ?? (topic.partitions === 1 ? "0" : undefined);
        const partition = partitionParam(raw, topic);
        if (transactionalId && owner)
          await addToTransaction(deps, transactionalId, owner.producerId, owner.producerEpoch, topic, partition);
        const appended = await deps.partition(topic.name, partition).append({
          topic: topic.name,
          partition,
          epoch: topic.epoch,
          batches: bytes,
          config: topic.config,
          configRevision: topic.config_revision,
          ...(transactionalId ? { transactional: true } : {}),
        });
        return appended.ok ? { ...appended, partition } : appended;
      });
      return respond(c, 200, {
        offsets: result.baseOffsets.map((offset) => ({ partition: result.partition, offset })),
        ...(result.duplicate ? { duplicate: true } : {}),
      });
    }

    const now = (deps.now ?? Date.now)();
    const records =
      kind === "json"
        ? parseJsonProduce(await bodyBytes(c), deps.limits, now)
        : // Produce keeps MessagePack's 64-bit integers exactly in the stored JSON text (json-text.ts).
          parseProduceBody(await readStructuredBody(c, kind, { bigints: true }), true, deps.limits, now);
    const count = records instanceof BareValues ? records.count : records.length;
    const offsets = await topics.withTopic(name, async (topic) => {
      const query = plain ? undefined : c.req.query("partition");
      const requested = query === undefined ? undefined : partitionParam(query, topic);
      // Record indexes by partition; a body of bare values goes to one partition, all of it.
      const byPartition = new Map<number, number[] | undefined>();
      if (records instanceof BareValues) byPartition.set(requested ?? Math.floor(Math.random() * topic.partitions), undefined);
      else
        choosePartitions(records, topic, requested).forEach((p, i) => {
          const list = byPartition.get(p);
          if (list) list.push(i);
          else byPartition.set(p, [i]);
        });
      if (producer) requireOnePartition(records, topic, query !== undefined, byPartition.size);
      if (transactionalId && producer) {
        for (const partition of byPartition.keys())
          await addToTransaction(deps, transactionalId, producer.producerId, producer.producerEpoch, topic, partition);
      }
      let out: Offset[] | OffsetRun = records instanceof BareValues ? { partition: 0, base: 0, count } : new Array(count);
      let duplicate = false;
      const appendTo = async (partition: number, indexes: number[] | undefined) => {
        // The CRC is left at 0 for the partition to compute as it validates the batch (fillCrc).
        const opts = { crc32c: unsealed, ...producer, attributes: transactionalId ? TRANSACTIONAL_FLAG : 0 };
        const batch =
          records instanceof BareValues
            ? encodeSpans(records.body, records.spans, records.timestamp, opts)
            : encodeBatch(
                indexes!.map((i) => records[i]!),
                opts,
              );
        const appended = await deps.partition(topic.name, partition).append({
          topic: topic.name,
          partition,
          epoch: topic.epoch,
          batches: batch,
          config: topic.config,
          configRevision: topic.config_revision,
          fillCrc: true,
          ...(transactionalId ? { transactional: true } : {}),
        });
        if (appended.ok) {
          const base = appended.baseOffsets[0]!;
          if (!indexes) out = { partition, base, count };
          else for (let n = 0; n < indexes.length; n++) (out as Offset[])[indexes[n]!] = { partition, offset: base + n };
          duplicate = appended.duplicate === true;
        }
        return appended;
      };
      // One partition, nearly every request: its append awaited alone, without Promise.all's
      // array, promise and extra microtask turns (issue #20).
      const results =
        byPartition.size === 1
          ? [await appendTo(...(byPartition.entries().next().value as [number, number[] | undefined]))]
          : await Promise.all([...byPartition].map(([partition, indexes]) => appendTo(partition, indexes)));
      // A request spanning partitions is one append per partition; report the first failure.
      // The partitions that did append keep their records (documented: atomic per partition).
      const failed = results.find((r) => !r.ok);
      return failed ?? { ok: true as const, offsets: out, duplicate };
    });
    if (responseKind(c) === "json") {
      const o = offsets.offsets;
      const text = Array.isArray(o) ? offsetsJson(o, offsets.duplicate) : offsetRunJson(o.partition, o.base, o.count, offsets.duplicate);
      return c.body(text, 200, { "Content-Type": "application/json" });
    }
    return respond(c, 200, { offsets: expand(offsets.offsets), ...(offsets.duplicate ? { duplicate: true } : {}) });
  };

  // The route's path, query and header validation (openRoute's zod validators, three async
  // middlewares) cannot fail for a request without a query string and without the integer
  // Producer-* headers — its path parameter and Transactional-Id are any string — and the handler
  // reads the request itself: such a request, nearly every produce, goes straight to it (a tenth
  // of a single-record produce's time on Node, issue #20). Any other takes the validators.
  app.post("/:topic/records", (c, next) =>
    c.req.url.includes("?") || PRODUCER_HEADERS.some(([header]) => c.req.header(header) !== undefined) ? next() : produce(c, true),
  );
  openRoute(app, produceRoute(deps.limits), (c) => produce(c));

  return app;
}
