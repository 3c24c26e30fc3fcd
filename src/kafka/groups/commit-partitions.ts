// What OffsetCommit (key 8) and TxnOffsetCommit (key 28) share: the topics/partitions of the
// request and the per-partition answer, and the checks each partition passes before its offset
// reaches the group object. Per partition, in Kafka's order (KafkaApis.handleOffsetCommitRequest):
// the principal may consume the topic (TOPIC_AUTHORIZATION_FAILED), the topic and partition exist
// (UNKNOWN_TOPIC_OR_PARTITION), the metadata fits offset.metadata.max.bytes, 4096
// (OFFSET_METADATA_TOO_LARGE), and the offset is not negative (INVALID_COMMIT_OFFSET_SIZE).
import type { KafkaCommitOffset } from "../../core/groups/classic-types.ts";
import type { RequestContext } from "../api.ts";
import { array, type Field, f, type Msg } from "../protocol/schema.ts";
import { topicInfo } from "./access.ts";
import { GroupError } from "./errors.ts";

/** Kafka's offset.metadata.max.bytes. */
const MAX_METADATA = 4096;

interface CommitTopicIn {
  name: string;
  partitions: Array<{ partitionIndex: number; committedOffset: number; committedMetadata: string | null }>;
}

/**
 * The request's `topics`: the two APIs differ only in the version committedLeaderEpoch arrives
 * in and in fields between it and committedMetadata (OffsetCommit v1's commitTimestamp).
 */
export function commitTopicsRequest(leaderEpochFrom: string, beforeMetadata: Field[] = []): Field {
  return f(
    "topics",
    "0+",
    array([
      f("name", "0+", "string"),
      f(
        "partitions",
        "0+",
        array([
          f("partitionIndex", "0+", "int32"),
          f("committedOffset", "0+", "int64"),
          f("committedLeaderEpoch", leaderEpochFrom, "int32", { default: -1 }),
          ...beforeMetadata,
          f("committedMetadata", "0+", "string", { nullable: "0+" }),
        ]),
      ),
    ]),
  );
}

/** The response's `topics`: an error code per partition. */
export const commitTopicsResponse = f(
  "topics",
  "0+",
  array([f("name", "0+", "string"), f("partitions", "0+", array([f("partitionIndex", "0+", "int32"), f("errorCode", "0+", "int16")]))]),
);

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** Every partition of the request refused with the same code. */
export const everyPartition = (req: Msg, code: number): Msg => ({
  throttleTimeMs: 0,
  topics: ((req.topics as CommitTopicIn[] | undefined) ?? []).map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })),
  })),
});

export interface CommitCheck {
  /** The offsets that passed their checks, for the group object. */
  offsets: KafkaCommitOffset[];
  /** The answer: `code` (the group object's) for each offset that passed, each other partition's own. */
  answer(code: number): Msg;
}

/** Each partition of the request through its checks (the order above). */
export async function checkCommit(ctx: RequestContext, req: Msg): Promise<CommitCheck> {
  const topics = req.topics as CommitTopicIn[];
  const codes = new Map<string, number>();
  const offsets: KafkaCommitOffset[] = [];
  for (const t of topics) {
    const allowed = ctx.allowed("consume", `topic:${t.name}`);
    const info = allowed ? await topicInfo(ctx, t.name) : undefined;
    for (const p of t.partitions) {
      const k = key(t.name, p.partitionIndex);
      if (!allowed) codes.set(k, GroupError.TOPIC_AUTHORIZATION_FAILED);
      else if (!info || p.partitionIndex < 0 || p.partitionIndex >= info.partitions) codes.set(k, GroupError.UNKNOWN_TOPIC_OR_PARTITION);
      else if (p.committedMetadata !== null && p.committedMetadata.length > MAX_METADATA)
        codes.set(k, GroupError.OFFSET_METADATA_TOO_LARGE);
      else if (p.committedOffset < 0) codes.set(k, GroupError.INVALID_COMMIT_OFFSET_SIZE);
      else
        offsets.push({
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          metadata: p.committedMetadata,
          topicEpoch: info.epoch,
        });
    }
  }
  const answer = (code: number): Msg => {
    for (const o of offsets) codes.set(key(o.topic, o.partition), code);
    return {
      throttleTimeMs: 0,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: codes.get(key(t.name, p.partitionIndex)) ?? GroupError.NONE,
        })),
      })),
    };
  };
  return { offsets, answer };
}
