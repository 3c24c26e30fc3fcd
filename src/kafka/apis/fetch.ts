// Fetch (key 1), v4-v12, flexible from v12 (v13+ name topics by id only; not served yet). Each
// partition is read with the same partition `read` the HTTP fetch route uses; its stored
// RecordBatch v2 bytes go into `records` as they are (the first batch may start before the fetch
// offset — clients skip the records before it, as with Kafka's own log segments).
// Long-poll (max_wait_ms / min_bytes): while the answer holds fewer than min_bytes, every requested
// partition with room left waits (the partition's own long-poll) for data after what the answer
// holds; the first to get some adds it, until min_bytes are there or max_wait_ms has passed. Size limits: partition_max_bytes per partition and
// max_bytes in all, with at least one batch served when the first partition has data (KIP-74),
// both capped by the broker's maxFetchBytes. Isolation level (KIP-98): read_committed (1) stops at
// the partition's last stable offset (a long-poll there waits for it to move) and answers it with
// the aborted transactions (producer id, first offset) the returned batches overlap; the batches
// go as stored, aborted ones and control batches (the markers) included, and the client drops the
// aborted ones itself, as with Kafka. Transactions made over HTTP and over Kafka are the same
// markers and the same aborted index. read_uncommitted (0) answers the high watermark as the last
// stable offset and no aborted list (the partition keeps it only for read_committed reads).
// Fetch sessions (KIP-227) are not kept: session_id 0 answers are full responses every time.
import type { ReadOk } from "../../core/log/partition-types.ts";
import type { KafkaApi, RequestContext } from "../api.ts";
import { concatBytes } from "../../core/bytes.ts";
import { batchesEnd } from "../../core/batch/record-batch.ts";
import { KafkaError } from "../error-codes.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { chargeBytes } from "./produce.ts";
import { notAuthorized, onPartition, type Outcome } from "./topic-access.ts";

const request = [
  f("clusterId", "12+", "string", { nullable: "12+", tag: 0 }),
  f("replicaId", "0-14", "int32", { default: -1 }),
  f("maxWaitMs", "0+", "int32"),
  f("minBytes", "0+", "int32"),
  f("maxBytes", "3+", "int32", { default: 0x7fffffff }),
  f("isolationLevel", "4+", "int8"),
  f("sessionId", "7+", "int32"),
  f("sessionEpoch", "7+", "int32", { default: -1 }),
  f(
    "topics",
    "0+",
    array([
      f("topic", "0-12", "string"),
      f(
        "partitions",
        "0+",
        array([
          f("partition", "0+", "int32"),
          f("currentLeaderEpoch", "9+", "int32", { default: -1 }),
          f("fetchOffset", "0+", "int64"),
          f("lastFetchedEpoch", "12+", "int32", { default: -1 }),
          f("logStartOffset", "5+", "int64", { default: -1 }),
          f("partitionMaxBytes", "0+", "int32"),
        ]),
      ),
    ]),
  ),
  f("forgottenTopicsData", "7+", array([f("topic", "7-12", "string"), f("partitions", "7+", array("int32"))])),
  f("rackId", "11+", "string"),
];

const partitionData = [
  f("partitionIndex", "0+", "int32"),
  f("errorCode", "0+", "int16"),
  f("highWatermark", "0+", "int64"),
  f("lastStableOffset", "4+", "int64", { default: -1 }),
  f("logStartOffset", "5+", "int64", { default: -1 }),
  f("abortedTransactions", "4+", array([f("producerId", "4+", "int64"), f("firstOffset", "4+", "int64")]), { nullable: "4+" }),
  f("preferredReadReplica", "11+", "int32", { default: -1 }),
  f("records", "0+", "records", { nullable: "0+" }),
];

const response = [
  f("throttleTimeMs", "1+", "int32"),
  f("errorCode", "7+", "int16"),
  f("sessionId", "7+", "int32"),
  f("responses", "0+", array([f("topic", "0-12", "string"), f("partitions", "0+", array(partitionData))])),
];

interface FetchPartition {
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
}
interface Slot {
  topic: string;
  p: FetchPartition;
  allowed: boolean;
  /** isolation_level 1 (read_committed). */
  committed: boolean;
  result?: Outcome<ReadOk>;
}

function read(ctx: RequestContext, slot: Slot, maxBytes: number, waitMs: number): Promise<Outcome<ReadOk>> {
  const { topic: name, p, committed } = slot;
  return onPartition(ctx, name, p.partition, (topic) =>
    ctx.deps.partition(topic.name, p.partition).read({
      topic: topic.name,
      partition: p.partition,
      epoch: topic.epoch,
      offset: p.fetchOffset,
      maxBytes: Math.max(1, maxBytes),
      maxRecords: ctx.deps.limits.maxFetchRecords,
      waitMs,
      ...(committed ? { isolation: "read_committed" as const, abortedList: true } : {}),
    }),
  );
}

/** Where a partition's answer continues: after its last batch, or its fetch offset when it has none. */
function nextOffset(slot: Slot): number {
  return slot.result?.ok && slot.result.value.batches.length > 0
    ? batchesEnd(slot.result.value.batches, slot.p.fetchOffset)
    : slot.p.fetchOffset;
}

function bytesOf(slot: Slot): number {
  return slot.result?.ok ? slot.result.value.batches.length : 0;
}

export const fetchApi: KafkaApi = {
  apiKey: 1,
  name: "Fetch",
  minVersion: 4,
  maxVersion: 12,
  flexibleFrom: 12,
  request,
  response,
  async handle(ctx, req) {
    const limits = ctx.deps.limits;
    const slots: Slot[] = [];
    for (const t of req.topics as Array<{ topic: string; partitions: FetchPartition[] }>) {
      const allowed = ctx.allowed("consume", `topic:${t.topic}`);
      for (const p of t.partitions) slots.push({ topic: t.topic, p, allowed, committed: req.isolationLevel === 1 });
    }
    const total = Math.min(Math.max(1, req.maxBytes as number), limits.maxFetchBytes);
    // First pass: no waiting. Partitions are read in request order until `total` is used; the
    // first one with data is served whole even past the limit (KIP-74), so a consumer always
    // makes progress.
    let used = 0;
    for (const slot of slots) {
      if (!slot.allowed) continue;
      // The partition read itself always returns at least one whole batch.
      const budget = Math.min(slot.p.partitionMaxBytes, total - used);
      if (budget <= 0 && used > 0) continue;
      slot.result = await read(ctx, slot, budget, 0);
      used += bytesOf(slot);
    }
    // Long-poll until min_bytes are there or max_wait_ms has passed (Kafka's Fetch semantics): each
    // round waits, on every partition with room left, for data after what the answer already holds;
    // the first partition to get some adds its batches and starts the next round.
    const waitMs = Math.min(Math.max(0, req.maxWaitMs as number), limits.maxWaitMs);
    const minBytes = Math.max(1, req.minBytes as number);
    const deadline = Date.now() + waitMs;
    while (used < minBytes && used < total) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const waiting = slots.filter((s) => s.result?.ok && bytesOf(s) < s.p.partitionMaxBytes);
      if (waiting.length === 0) break;
      const got = await new Promise<{ slot: Slot; value: ReadOk } | undefined>((resolve) => {
        let pending = waiting.length;
        for (const slot of waiting) {
          const from = nextOffset(slot);
          const budget = Math.min(slot.p.partitionMaxBytes - bytesOf(slot), total - used);
          void read(ctx, { ...slot, p: { ...slot.p, fetchOffset: from } }, budget, left).then((r) => {
            if (r.ok && r.value.batches.length > 0) resolve({ slot, value: r.value });
            if (--pending === 0) resolve(undefined);
          });
        }
      });
      if (!got) break;
      // Reads that lost the race end by themselves at the deadline; a later winner is ignored.
      const prev = got.slot.result as { ok: true; value: ReadOk };
      const batches = prev.value.batches.length > 0 ? concatBytes([prev.value.batches, got.value.batches]) : got.value.batches;
      // The newer read's high watermark, log start and last stable offset go with the answer, with
      // the aborted transactions of both reads.
      const aborted = mergeAborted(prev.value.abortedTransactions, got.value.abortedTransactions);
      got.slot.result = { ok: true, value: { ...got.value, batches, ...(aborted ? { abortedTransactions: aborted } : {}) } };
      used += got.value.batches.length;
    }
    const byTopic = new Map<string, Msg[]>();
    let served = 0;
    for (const slot of slots) {
      // A partition left unread because max_bytes was used up is left out of this answer (the
      // client fetches it next time), rather than answered with a made-up high watermark.
      if (slot.allowed && !slot.result) continue;
      const list = byTopic.get(slot.topic) ?? [];
      byTopic.set(slot.topic, list);
      list.push(partitionAnswer(ctx, slot));
      served += bytesOf(slot);
    }
    chargeBytes(ctx, served);
    return {
      throttleTimeMs: 0,
      errorCode: KafkaError.NONE,
      sessionId: 0,
      responses: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    };
  },
  refuse: (_req, code) => ({ errorCode: code, sessionId: 0, responses: [] }),
};

function partitionAnswer(ctx: RequestContext, slot: Slot): Msg {
  const empty = (errorCode: number) => ({
    partitionIndex: slot.p.partition,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: null,
  });
  if (!slot.allowed) {
    ctx.config.log(`kafka: fetch refused: ${notAuthorized(ctx, `consume topic ${slot.topic}`)}`);
    return empty(KafkaError.TOPIC_AUTHORIZATION_FAILED);
  }
  const r = slot.result!;
  if (!r.ok) return empty(r.code);
  const v = r.value;
  return {
    partitionIndex: slot.p.partition,
    errorCode: KafkaError.NONE,
    highWatermark: v.highWatermark,
    lastStableOffset: v.lastStableOffset ?? v.highWatermark,
    logStartOffset: v.logStartOffset,
    abortedTransactions: slot.committed ? (v.abortedTransactions ?? []) : null,
    preferredReadReplica: -1,
    records: v.batches,
  };
}

type Aborted = ReadOk["abortedTransactions"];

function mergeAborted(a: Aborted, b: Aborted): Aborted {
  if (!a || a.length === 0) return b;
  if (!b || b.length === 0) return a;
  const seen = new Set(a.map((t) => `${t.producerId}/${t.firstOffset}`));
  return [...a, ...b.filter((t) => !seen.has(`${t.producerId}/${t.firstOffset}`))].sort((x, y) => x.firstOffset - y.firstOffset);
}
