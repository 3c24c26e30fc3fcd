// InitProducerId (key 22), v0-v4, flexible from v2 (KIP-98). Without a transactional id: an
// idempotent producer's id and epoch, from the same cluster allocator POST /v1/producers uses;
// requires a produce grant on something, as over HTTP. v3+ may pass the current id/epoch to bump
// after an error (KIP-360); an idempotent producer gets a fresh id instead, which is always safe.
// With a transactional id: the id's coordinator (src/core/txn/service.ts) bumps its epoch, fencing
// every earlier incarnation and aborting its open transaction (POST /v1/transactions/{id}/init);
// v3+ with the current id/epoch is refused with PRODUCER_FENCED (INVALID_PRODUCER_EPOCH before v4)
// unless they are the coordinator's current ones (KIP-360).
import type { KafkaApi } from "../api.ts";
import { KafkaError, kafkaCodeFor } from "../error-codes.ts";
import { f } from "../protocol/schema.ts";
import { onCoordinator, txnRefusal } from "../txn/access.ts";

export const initProducerIdApi: KafkaApi = {
  apiKey: 22,
  name: "InitProducerId",
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 2,
  request: [
    f("transactionalId", "0+", "string", { nullable: "0+" }),
    f("transactionTimeoutMs", "0+", "int32"),
    f("producerId", "3+", "int64", { default: -1 }),
    f("producerEpoch", "3+", "int16", { default: -1 }),
  ],
  response: [
    f("throttleTimeMs", "0+", "int32"),
    f("errorCode", "0+", "int16"),
    f("producerId", "0+", "int64", { default: -1 }),
    f("producerEpoch", "0+", "int16"),
  ],
  async handle(ctx, req, version) {
    const refuse = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 });
    if (req.transactionalId !== null) {
      const id = req.transactionalId as string;
      const refused = txnRefusal(ctx, id);
      if (refused !== undefined) return refuse(refused);
      const expected =
        req.producerId >= 0 ? { producerId: req.producerId as number, producerEpoch: req.producerEpoch as number } : undefined;
      const r = await onCoordinator(ctx, id, version, 4, (txn) =>
        txn.initKafka({ transactionalId: id, timeoutMs: req.transactionTimeoutMs, expected }),
      );
      if (!r.ok) return refuse(r.code);
      return { throttleTimeMs: 0, errorCode: KafkaError.NONE, producerId: r.value.producer_id, producerEpoch: r.value.producer_epoch };
    }
    if (!ctx.holds("produce")) return refuse(KafkaError.CLUSTER_AUTHORIZATION_FAILED);
    const result = await ctx.deps.cluster().initProducer();
    if (!result.ok) return refuse(kafkaCodeFor(result.error.code));
    return { throttleTimeMs: 0, errorCode: KafkaError.NONE, producerId: result.producer_id, producerEpoch: result.producer_epoch };
  },
  refuse: (_req, code) => ({ errorCode: code, producerId: -1, producerEpoch: -1 }),
};
