// A sink's settings, from its connector config (Kafka Connect's names where it has them): the
// topics, how records are batched (`batch.max.records`, `batch.linger.ms`), how a failed batch is
// retried (`retry.*`) and where it goes when it is given up (`errors.deadletterqueue.topic.name`,
// KIP-298), where a new sink starts, and how often an idle one looks for records.
import type { Fields } from "./config-fields.ts";
import { validateTopicName } from "../topics/config.ts";

export interface SinkSettings {
  topics: string[];
  maxRecords: number;
  lingerMs: number;
  maxAttempts: number;
  backoffMs: number;
  backoffMaxMs: number;
  /** errors.deadletterqueue.topic.name (Kafka Connect's name for it, KIP-298). */
  dlq?: string;
  reset: "earliest" | "latest";
  /** How often an idle sink looks for new records. */
  pollMs: number;
}

/** A topic name's problem (Kafka's rules), or undefined. */
export function topicNameProblem(name: string): string | undefined {
  try {
    validateTopicName(name);
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^name: /, "");
  }
}

export function sinkSettings(f: Fields, defaults: { maxRecords?: number; lingerMs?: number } = {}): SinkSettings {
  const backoffMs = f.int("retry.backoff.ms", 500, 1, 3_600_000);
  return {
    topics: f.topics("topics", topicNameProblem),
    maxRecords: f.int("batch.max.records", defaults.maxRecords ?? 500, 1, 10_000),
    lingerMs: f.int("batch.linger.ms", defaults.lingerMs ?? 100, 0, 600_000),
    maxAttempts: f.int("retry.max.attempts", 10, 1, 1_000),
    backoffMs,
    backoffMaxMs: f.int("retry.backoff.max.ms", Math.max(60_000, backoffMs), backoffMs, 86_400_000),
    dlq: f.str("errors.deadletterqueue.topic.name"),
    reset: f.oneOf("consumer.auto.offset.reset", ["earliest", "latest"] as const, "earliest"),
    pollMs: f.int("poll.interval.ms", 1_000, 10, 600_000),
  };
}
