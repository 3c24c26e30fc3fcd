// A topic's per-batch limits, checked when an append reaches its partition, with the config the
// partition holds at that moment (the append's own, or the one PATCH pushed). Every produce
// encoding (JSON, MessagePack, binary) and Durable Streams appends arrive there as batches, so
// this is the one place they are enforced.
//   - max.message.bytes: the largest record batch, as Kafka defines it (MESSAGE_TOO_LARGE).
//   - message.timestamp.before.max.ms / message.timestamp.after.max.ms (KIP-937): how far a
//     CreateTime batch's timestamps may lie before / after the broker's clock (INVALID_TIMESTAMP).
//     The after bound is checked on maxTimestamp; the before bound on the earliest record, which
//     may precede firstTimestamp (a negative delta), so it is found by a WASM record scan, and
//     only when the topic sets a bound.
import type { BatchMeta } from "./log-core.ts";
import { fail, type Failure } from "../errors.ts";
import type { LogConfig } from "../log/retention.ts";

/** attributes bit 3: LogAppendTime, the batch's timestamps are the broker's, not the producer's. */
const LOG_APPEND_TIME = 0x08;

/**
 * `earliest(i)`: the smallest record timestamp of batch i (a scan of its records), asked only
 * when the topic bounds timestamps in the past.
 */
export function checkBatchLimits(
  batches: BatchMeta[],
  config: LogConfig,
  now: number,
  earliest: (i: number) => number,
): Failure | undefined {
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
      return fail(
        "invalid_timestamp",
        `${where}: timestamp ${b.maxTimestamp} is more than message.timestamp.after.max.ms (${timestampAfterMaxMs}) after the broker's time ${now}`,
        {
          batch: i,
          broker_time: now,
        },
      );
    }
    const first = timestampBeforeMaxMs < Number.MAX_SAFE_INTEGER ? Math.min(b.firstTimestamp, earliest(i)) : b.firstTimestamp;
    if (now - first > timestampBeforeMaxMs) {
      return fail(
        "invalid_timestamp",
        `${where}: timestamp ${first} is more than message.timestamp.before.max.ms (${timestampBeforeMaxMs}) before the broker's time ${now}`,
        {
          batch: i,
          broker_time: now,
        },
      );
    }
  }
  return undefined;
}
