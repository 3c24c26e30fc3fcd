// AddOffsetsToTxn (key 25, v0-v4) and EndTxn (key 26, v0-v4), flexible from v3: one call each to
// the transactional id's coordinator (src/core/txn/service.ts). PRODUCER_FENCED from v2 (KIP-588),
// INVALID_PRODUCER_EPOCH before. v4 of both only adds TRANSACTION_ABORTABLE to what a client may
// be answered (KIP-890); this broker does not send it, so v4 is v3.
//
// EndTxn keeps the producer's epoch: Kafka clients before KIP-890 part 2 (EndTxn v5, with the
// transaction.version feature, not advertised here) write their next transaction with the same
// producer id and epoch and continue their sequence numbers, so the markers carry that epoch
// (the HTTP commit moves to the next one instead: docs/transactions.md). Its answer comes once the
// outcome is durable (PrepareCommit / PrepareAbort); the coordinator finishes the markers, and a
// request of the next transaction meanwhile gets CONCURRENT_TRANSACTIONS, which clients retry.
import type { KafkaApi } from "../api.ts";
import { KafkaError } from "../error-codes.ts";
import { groupRefusal } from "../groups/access.ts";
import { f } from "../protocol/schema.ts";
import { onCoordinator, txnRefusal } from "./access.ts";

const producerFields = [f("transactionalId", "0+", "string"), f("producerId", "0+", "int64"), f("producerEpoch", "0+", "int16")];
const response = [f("throttleTimeMs", "0+", "int32"), f("errorCode", "0+", "int16")];

export const addOffsetsToTxnApi: KafkaApi = {
  apiKey: 25,
  name: "AddOffsetsToTxn",
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  request: [...producerFields, f("groupId", "0+", "string")],
  response,
  async handle(ctx, req, version) {
    const id = req.transactionalId as string;
    const group = req.groupId as string;
    const refused = txnRefusal(ctx, id) ?? groupRefusal(ctx, group);
    if (refused !== undefined) return { throttleTimeMs: 0, errorCode: refused };
    const r = await onCoordinator(ctx, id, version, 2, (c) =>
      c.addOffsets({ transactionalId: id, producerId: req.producerId, producerEpoch: req.producerEpoch, group }),
    );
    return { throttleTimeMs: 0, errorCode: r.ok ? KafkaError.NONE : r.code };
  },
  refuse: (_req, code) => ({ throttleTimeMs: 0, errorCode: code }),
};

export const endTxnApi: KafkaApi = {
  apiKey: 26,
  name: "EndTxn",
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  request: [...producerFields, f("committed", "0+", "bool")],
  response,
  async handle(ctx, req, version) {
    const id = req.transactionalId as string;
    const refused = txnRefusal(ctx, id);
    if (refused !== undefined) return { throttleTimeMs: 0, errorCode: refused };
    const r = await onCoordinator(ctx, id, version, 2, (c) =>
      c.end({ transactionalId: id, producerId: req.producerId, producerEpoch: req.producerEpoch, commit: req.committed, bumpEpoch: false }),
    );
    return { throttleTimeMs: 0, errorCode: r.ok ? KafkaError.NONE : r.code };
  },
  refuse: (_req, code) => ({ throttleTimeMs: 0, errorCode: code }),
};
