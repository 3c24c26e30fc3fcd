// How the Kafka handlers reach a topic's partitions: the same TopicCache + partition objects the
// HTTP routes use (src/http/topic-cache.ts), with the core's failures turned into Kafka error
// codes. Authorization is checked by the caller on the name first, so a refusal never tells
// whether the topic exists (as on HTTP).
import { BrokerError, type Failure } from "../../core/errors.ts";
import type { TopicInfo } from "../../core/topics/registry.ts";
import type { RequestContext } from "../api.ts";
import { KafkaError, kafkaCodeFor } from "../error-codes.ts";

export type Outcome<T> = { ok: true; value: T } | { ok: false; code: number; message: string };

export function refused(code: number, message: string): { ok: false; code: number; message: string } {
  return { ok: false, code, message };
}

/** Runs `fn` on one partition of `name`; an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION. */
export async function onPartition<T extends { ok: true }>(
  ctx: RequestContext,
  name: string,
  partition: number,
  fn: (topic: TopicInfo) => Promise<T | Failure>,
): Promise<Outcome<T>> {
  try {
    const value = await ctx.config.topics.withTopic(name, async (topic) => {
      if (!Number.isInteger(partition) || partition < 0 || partition >= topic.partitions) {
        return { ok: false, error: { code: "partition_not_found", message: `topic "${name}" has no partition ${partition}` } } as Failure;
      }
      return fn(topic);
    });
    return { ok: true, value: value as T };
  } catch (err) {
    return failureOutcome(err);
  }
}

export function failureOutcome(err: unknown): { ok: false; code: number; message: string } {
  if (err instanceof BrokerError) return refused(kafkaCodeFor(err.code), err.message);
  return refused(KafkaError.UNKNOWN_SERVER_ERROR, (err as Error)?.message ?? String(err));
}

export function notAuthorized(ctx: RequestContext, what: string): string {
  const p = ctx.conn.principal;
  return `${p?.kind === "key" ? `key "${p.name}"` : "this connection"} may not ${what}`;
}
