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
import type { KafkaApi } from "../api.ts";
import { KafkaError } from "../error-codes.ts";
import { groupRefusal } from "../groups/access.ts";
import { checkCommit, commitTopicsRequest, commitTopicsResponse, everyPartition } from "../groups/commit-partitions.ts";
import { codeOf } from "../groups/errors.ts";
import { f } from "../protocol/schema.ts";
import { onCoordinator, txnRefusal } from "./access.ts";

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
    commitTopicsRequest("2+"),
  ],
  response: [f("throttleTimeMs", "0+", "int32"), commitTopicsResponse],
  async handle(ctx, req, version) {
    const id = req.transactionalId as string;
    const group = req.groupId as string;
    const refused = txnRefusal(ctx, id) ?? groupRefusal(ctx, group);
    if (refused !== undefined) return everyPartition(req, refused);
    const { offsets, answer } = await checkCommit(ctx, req);
    // No offset passed its checks: nothing to verify or hold, each partition its own code.
    if (offsets.length === 0) return answer(KafkaError.NONE);
    const producer = { transactionalId: id, producerId: req.producerId as number, producerEpoch: req.producerEpoch as number };
    // TxnOffsetCommit knows no PRODUCER_FENCED: a fenced producer is INVALID_PRODUCER_EPOCH.
    const verified = await onCoordinator(ctx, id, version, Infinity, (c) => c.verify({ ...producer, partitions: [], groups: [group] }));
    if (!verified.ok) return answer(verified.code);
    if (verified.value.missingGroups.length > 0) return answer(KafkaError.INVALID_TXN_STATE);
    const r = await ctx.deps.group(group).kafkaTxnCommit(group, {
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      generationId: req.generationId,
      offsets,
      producerId: producer.producerId,
    });
    if (r.created) await ctx.deps.group(GROUP_REGISTRY_NAME).registerGroup(group);
    return answer(codeOf(r.error === "STALE_MEMBER_EPOCH" ? "ILLEGAL_GENERATION" : r.error));
  },
  refuse: everyPartition,
};
