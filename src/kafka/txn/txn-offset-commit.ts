// TxnOffsetCommit (key 28), v0-v3, flexible from v3: a consume-transform-produce loop's consumer
// offsets, committed in the producer's transaction (KIP-98). Sent to the group's coordinator after
// AddOffsetsToTxn; the group object holds them pending under the producer id
// (src/core/groups/txn-offsets.ts) and the transaction coordinator makes them the group's
// committed offsets on commit, or drops them on abort. Before that, the transactional id's
// coordinator confirms the group is in the producer's open transaction (KIP-890 part 1:
// INVALID_TXN_STATE otherwise) and that the producer is not fenced (INVALID_PRODUCER_EPOCH).
// v3 names the member (KIP-447): its generation is checked as for an OffsetCommit, so a consumer
// fenced by a rebalance cannot commit through a transaction; v0-v2 carry no member and are
// accepted while the group has members, as Kafka does.
import { GROUP_REGISTRY_NAME } from "../../core/groups/types.ts";
import type { KafkaCommitOffset } from "../../core/groups/classic-types.ts";
import type { KafkaApi } from "../api.ts";
import { KafkaError } from "../error-codes.ts";
import { groupRefusal, topicInfo } from "../groups/access.ts";
import { codeOf, GroupError } from "../groups/errors.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { onCoordinator, txnRefusal } from "./access.ts";

/** Kafka's offset.metadata.max.bytes, as OffsetCommit. */
const MAX_METADATA = 4096;

interface TopicIn {
  name: string;
  partitions: Array<{ partitionIndex: number; committedOffset: number; committedMetadata: string | null }>;
}

const everyPartition = (req: Msg, code: number): Msg => ({
  throttleTimeMs: 0,
  topics: ((req.topics as TopicIn[] | undefined) ?? []).map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })),
  })),
});

export const txnOffsetCommitApi: KafkaApi = {
  apiKey: 28,
  name: "TxnOffsetCommit",
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 3,
  request: [
    f("transactionalId", "0+", "string"),
    f("groupId", "0+", "string"),
    f("producerId", "0+", "int64"),
    f("producerEpoch", "0+", "int16"),
    f("generationId", "3+", "int32", { default: -1 }),
    f("memberId", "3+", "string"),
    f("groupInstanceId", "3+", "string", { nullable: "3+", default: null }),
    f(
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
            f("committedLeaderEpoch", "2+", "int32", { default: -1 }),
            f("committedMetadata", "0+", "string", { nullable: "0+" }),
          ]),
        ),
      ]),
    ),
  ],
  response: [
    f("throttleTimeMs", "0+", "int32"),
    f(
      "topics",
      "0+",
      array([f("name", "0+", "string"), f("partitions", "0+", array([f("partitionIndex", "0+", "int32"), f("errorCode", "0+", "int16")]))]),
    ),
  ],
  async handle(ctx, req, version) {
    const id = req.transactionalId as string;
    const group = req.groupId as string;
    const refused = txnRefusal(ctx, id) ?? groupRefusal(ctx, group);
    if (refused !== undefined) return everyPartition(req, refused);
    const codes = new Map<string, number>();
    const offsets: KafkaCommitOffset[] = [];
    for (const t of req.topics as TopicIn[]) {
      const allowed = ctx.allowed("consume", `topic:${t.name}`);
      const info = allowed ? await topicInfo(ctx, t.name) : undefined;
      for (const p of t.partitions) {
        const key = `${t.name}\u0000${p.partitionIndex}`;
        if (!allowed) codes.set(key, KafkaError.TOPIC_AUTHORIZATION_FAILED);
        else if (!info || p.partitionIndex < 0 || p.partitionIndex >= info.partitions)
          codes.set(key, KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
        else if (p.committedMetadata !== null && p.committedMetadata.length > MAX_METADATA)
          codes.set(key, GroupError.OFFSET_METADATA_TOO_LARGE);
        else if (p.committedOffset < 0) codes.set(key, KafkaError.INVALID_COMMIT_OFFSET_SIZE);
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
    if (offsets.length > 0) {
      const producer = { transactionalId: id, producerId: req.producerId as number, producerEpoch: req.producerEpoch as number };
      // TxnOffsetCommit knows no PRODUCER_FENCED: a fenced producer is INVALID_PRODUCER_EPOCH.
      const verified = await onCoordinator(ctx, id, version, Infinity, (c) => c.verify({ ...producer, partitions: [], groups: [group] }));
      let code: number;
      if (!verified.ok) code = verified.code;
      else if (verified.value.missingGroups.length > 0) code = KafkaError.INVALID_TXN_STATE;
      else {
        const r = await ctx.deps.group(group).kafkaTxnCommit(group, {
          memberId: req.memberId,
          groupInstanceId: req.groupInstanceId,
          generationId: req.generationId,
          offsets,
          producerId: producer.producerId,
        });
        code = codeOf(r.error === "STALE_MEMBER_EPOCH" ? "ILLEGAL_GENERATION" : r.error);
        if (r.created) await ctx.deps.group(GROUP_REGISTRY_NAME).registerGroup(group);
      }
      for (const o of offsets) codes.set(`${o.topic}\u0000${o.partition}`, code);
    }
    return {
      throttleTimeMs: 0,
      topics: (req.topics as TopicIn[]).map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: codes.get(`${t.name}\u0000${p.partitionIndex}`) ?? KafkaError.NONE,
        })),
      })),
    };
  },
  refuse: everyPartition,
};
