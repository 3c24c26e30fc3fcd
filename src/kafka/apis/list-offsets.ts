// ListOffsets (key 2), v1-v7, flexible from v6. Timestamp -2 = earliest (the log start offset),
// -1 = latest (the high watermark), otherwise the first offset whose timestamp is at or after it
// — the partition's offsetForTimestamp, as GET …/offsets?timestamp= answers over HTTP. -3
// (max timestamp, KIP-734) is not served and answers UNSUPPORTED_VERSION per partition.
import { EARLIEST, LATEST } from "../../core/log/partition-types.ts";
import type { KafkaApi } from "../api.ts";
import { KafkaError } from "../error-codes.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { notAuthorized, onPartition } from "./topic-access.ts";

const request = [
  f("replicaId", "0+", "int32"),
  f("isolationLevel", "2+", "int8"),
  f("topics", "0+", array([
    f("name", "0+", "string"),
    f("partitions", "0+", array([
      f("partitionIndex", "0+", "int32"),
      f("currentLeaderEpoch", "4+", "int32", { default: -1 }),
      f("timestamp", "0+", "int64"),
      f("maxNumOffsets", "0", "int32", { default: 1 }),
    ])),
  ])),
];

const response = [
  f("throttleTimeMs", "2+", "int32"),
  f("topics", "0+", array([
    f("name", "0+", "string"),
    f("partitions", "0+", array([
      f("partitionIndex", "0+", "int32"),
      f("errorCode", "0+", "int16"),
      f("oldStyleOffsets", "0", array("int64")),
      f("timestamp", "1+", "int64", { default: -1 }),
      f("offset", "1+", "int64", { default: -1 }),
      f("leaderEpoch", "4+", "int32", { default: -1 }),
    ])),
  ])),
];

interface Query { partitionIndex: number; timestamp: number }

export const listOffsetsApi: KafkaApi = {
  apiKey: 2,
  name: "ListOffsets",
  minVersion: 1,
  maxVersion: 7,
  flexibleFrom: 6,
  request,
  response,
  async handle(ctx, req) {
    const topics = await Promise.all((req.topics as Array<{ name: string; partitions: Query[] }>).map(async (t) => {
      const allowed = ctx.allowed("consume", `topic:${t.name}`);
      const partitions = await Promise.all(t.partitions.map(async (q): Promise<Msg> => {
        const answer = (errorCode: number, offset = -1, timestamp = -1) => ({ partitionIndex: q.partitionIndex, errorCode, timestamp, offset, leaderEpoch: -1 });
        if (!allowed) {
          ctx.config.log(`kafka: ListOffsets refused: ${notAuthorized(ctx, `consume topic ${t.name}`)}`);
          return answer(KafkaError.TOPIC_AUTHORIZATION_FAILED);
        }
        if (q.timestamp < EARLIEST) return answer(KafkaError.UNSUPPORTED_VERSION);
        const out = await onPartition(ctx, t.name, q.partitionIndex, (topic) =>
          ctx.deps.partition(topic.name, q.partitionIndex).offsetForTimestamp({ topic: topic.name, partition: q.partitionIndex, epoch: topic.epoch }, q.timestamp),
        );
        if (!out.ok) return answer(out.code);
        const sentinel = q.timestamp === EARLIEST || q.timestamp === LATEST;
        if (sentinel) return answer(KafkaError.NONE, out.value.offset);
        // No record at or after the timestamp: Kafka answers offset -1 (clients then use the end).
        if (out.value.timestamp === null) return answer(KafkaError.NONE);
        return answer(KafkaError.NONE, out.value.offset, out.value.timestamp);
      }));
      return { name: t.name, partitions };
    }));
    return { throttleTimeMs: 0, topics };
  },
  refuse: (req, code) => ({
    topics: (req.topics as Array<{ name: string; partitions: Query[] }>).map((t) => ({
      name: t.name,
      partitions: t.partitions.map((q) => ({ partitionIndex: q.partitionIndex, errorCode: code })),
    })),
  }),
};
