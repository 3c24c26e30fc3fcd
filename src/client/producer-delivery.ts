// Delivering one batch to one partition: the produce request, retries with backoff on retriable
// failures, idempotent numbering (the same sequence numbers on every retry, so the broker answers
// a retry of an appended batch with its original offsets), and the broker's refusals that the
// producer can repair itself — a sequence the partition forgot, a batch too large to take at once.
import { EdgebrokerError, isRetriable } from "./errors.ts";
import { type HttpClient, seg } from "./http.ts";
import type { PartitionCounts } from "./metadata.ts";
import { succeed, settle, type Pending, type PartitionQueue } from "./producer-queue.ts";
import type { Numbered, ProducerIdentity } from "./producer-identity.ts";
import { backoffMs, sleep } from "./retry.ts";

export interface DeliveryContext {
  http: HttpClient;
  counts: PartitionCounts;
  identity: ProducerIdentity | undefined;
  /** Aborts backoff waits when the producer is aborted. */
  signal: AbortSignal;
  /** The producer was fenced (a newer incarnation of its name): nothing more can be sent. */
  fence: (err: EdgebrokerError) => void;
}

const TOO_LARGE = new Set(["payload_too_large", "too_many_records"]);
const METADATA = new Set(["topic_not_found", "partition_not_found", "stale_metadata"]);

function headersOf(n: Numbered | undefined, transactionalId: string | undefined): Record<string, string> | undefined {
  if (!n) return undefined;
  const h = { "producer-id": String(n.producerId), "producer-epoch": String(n.producerEpoch), "producer-seq": String(n.baseSequence) };
  return transactionalId === undefined ? h : { ...h, "transactional-id": transactionalId };
}

export async function deliverBatch(ctx: DeliveryContext, queue: PartitionQueue, batch: Pending[]): Promise<void> {
  const { topic, partition } = queue;
  const body = { records: batch.map((p) => p.record.wire) };
  let numbered: Numbered | undefined;
  let renumbered = false;
  for (let attempt = 0; ; attempt++) {
    try {
      numbered ??= ctx.identity ? await ctx.identity.number(topic, partition, batch.length, ctx.signal) : undefined;
      const answer = await ctx.http.once<{ offsets: Array<{ partition: number; offset: number }> }>(
        "POST",
        `/v1/topics/${seg(topic)}/records`,
        {
          query: { partition },
          body,
          headers: headersOf(numbered, ctx.identity?.transactional?.transactionalId),
        },
      );
      const offsets = answer.body.offsets;
      batch.forEach((p, i) => succeed(p, { topic, partition, offset: offsets[i]!.offset }));
      return;
    } catch (err) {
      if (!(err instanceof EdgebrokerError)) throw err;
      if (METADATA.has(err.code)) ctx.counts.forget(topic);
      if (err.code === "out_of_order_sequence" && numbered && !renumbered) {
        // Every earlier batch to this partition was acknowledged (one request in flight), so a
        // lower expectation means the partition forgot this producer (its state expired, or a
        // batch that failed for good never arrived): number this batch from there.
        const expected = err.details?.expected_sequence;
        if (typeof expected === "number" && expected < numbered.baseSequence) {
          ctx.identity!.resync(topic, partition, expected);
          numbered = undefined;
          renumbered = true;
          attempt--;
          continue;
        }
      }
      if (TOO_LARGE.has(err.code) && batch.length > 1) {
        // Nothing was appended; the broker's limits are lower than ours. Send it in halves.
        if (numbered) ctx.identity!.resync(topic, partition, numbered.baseSequence);
        queue.requeue(batch, Math.ceil(batch.length / 2));
        return;
      }
      if (err.code === "producer_fenced") {
        ctx.fence(err);
        batch.forEach((p) => settle(p, err));
        return;
      }
      if (isRetriable(err) && attempt < ctx.http.retry.retries && !ctx.signal.aborted) {
        try {
          await sleep(backoffMs(attempt, ctx.http.retry, Math.random, err.retryAfterMs ?? 0), ctx.signal);
          continue;
        } catch {
          // aborted while waiting: report the broker's error, not the abort
        }
      }
      batch.forEach((p) => settle(p, err));
      return;
    }
  }
}
