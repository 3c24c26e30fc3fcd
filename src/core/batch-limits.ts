// A topic's per-batch limits, checked when an append reaches its partition, with the config the
// partition holds at that moment (the append's own, or the one PATCH pushed). Every produce
// encoding (JSON, MessagePack, binary) and Durable Streams appends arrive there as batches, so
// this is the one place they are enforced.
//   - max.message.bytes: the largest record batch, as Kafka defines it (MESSAGE_TOO_LARGE).
//   - message.timestamp.before.max.ms / message.timestamp.after.max.ms (KIP-937): how far a
//     CreateTime batch's timestamps may lie before / after the broker's clock (INVALID_TIMESTAMP).
//     The after bound is checked on maxTimestamp and the before bound on firstTimestamp (the
//     header's fields; a record before firstTimestamp, a negative delta, is not looked at).
import type { BatchMeta } from "./log-core.ts";
import { fail, type Failure } from "./errors.ts";
import type { LogConfig } from "./log-lifecycle.ts";

/** attributes bit 3: LogAppendTime, the batch's timestamps are the broker's, not the producer's. */
const LOG_APPEND_TIME = 0x08;

export function checkBatchLimits(batches: BatchMeta[], config: LogConfig, now: number): Failure | undefined {
  const { maxMessageBytes, timestampBeforeMaxMs, timestampAfterMaxMs } = config;
  for (const [i, b] of batches.entries()) {
    const where = batches.length > 1 ? `batch ${i}` : "the batch";
    if (b.size > maxMessageBytes) {
      return fail("record_too_large", `${where} is ${b.size} bytes, larger than the topic's max.message.bytes (${maxMessageBytes})`, {
        max_message_bytes: maxMessageBytes,
        batch: i,
      });
    }
    if ((b.attributes & LOG_APPEND_TIME) !== 0) continue;
    if (b.maxTimestamp - now > timestampAfterMaxMs) {
      return fail("invalid_timestamp", `${where}: timestamp ${b.maxTimestamp} is more than message.timestamp.after.max.ms (${timestampAfterMaxMs}) after the broker's time ${now}`, {
        batch: i,
        broker_time: now,
      });
    }
    if (now - b.firstTimestamp > timestampBeforeMaxMs) {
      return fail("invalid_timestamp", `${where}: timestamp ${b.firstTimestamp} is more than message.timestamp.before.max.ms (${timestampBeforeMaxMs}) before the broker's time ${now}`, {
        batch: i,
        broker_time: now,
      });
    }
  }
  return undefined;
}
