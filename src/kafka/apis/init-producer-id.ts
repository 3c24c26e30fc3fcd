// InitProducerId (key 22), v0-v4, flexible from v2: an idempotent producer's id and epoch, from
// the same cluster allocator POST /v1/producers uses (KIP-98). Requires a produce grant on
// something, as over HTTP. A transactional id is refused with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED: transactions are not served yet (DESIGN.md 8).
// v3+ may pass the current id/epoch to bump after an error (KIP-360); this broker allocates a
// fresh id instead, which is always safe for an idempotent producer.
import type { KafkaApi } from "../api.ts";
import { KafkaError, kafkaCodeFor } from "../error-codes.ts";
import { f } from "../protocol/schema.ts";

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
  async handle(ctx, req) {
    const refuse = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 });
    if (req.transactionalId !== null) return refuse(KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (!ctx.holds("produce")) return refuse(KafkaError.CLUSTER_AUTHORIZATION_FAILED);
    const result = await ctx.deps.cluster().initProducer();
    if (!result.ok) return refuse(kafkaCodeFor(result.error.code));
    return { throttleTimeMs: 0, errorCode: KafkaError.NONE, producerId: result.producer_id, producerEpoch: result.producer_epoch };
  },
  refuse: (_req, code) => ({ errorCode: code, producerId: -1, producerEpoch: -1 }),
};
