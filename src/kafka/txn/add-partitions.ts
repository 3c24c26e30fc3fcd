// AddPartitionsToTxn (key 24), v0-v4, flexible from v3. Clients send v0-v3: one transaction, its
// partitions added at the transactional id's coordinator before the producer writes to them (the
// first one opens the transaction, KIP-98). v4 (KIP-890 part 1) is the batched form brokers use:
// many transactions in one request, and `verify_only` asks whether the partitions are already in
// the transaction instead of adding them (those that are not get INVALID_TXN_STATE).
// Per partition: `produce` on the topic (TOPIC_AUTHORIZATION_FAILED) and an existing partition
// (UNKNOWN_TOPIC_OR_PARTITION); when one fails nothing is added and the others get
// OPERATION_NOT_ATTEMPTED, as in Kafka.
import type { TxnPartition } from "../../core/txn/types.ts";
import type { KafkaApi, RequestContext } from "../api.ts";
import { KafkaError } from "../error-codes.ts";
import { topicInfo } from "../groups/access.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { onCoordinator, txnRefusal } from "./access.ts";

const topic = [f("name", "0+", "string"), f("partitions", "0+", array("int32"))];
const topicResult = [
  f("name", "0+", "string"),
  f("resultsByPartition", "0+", array([f("partitionIndex", "0+", "int32"), f("partitionErrorCode", "0+", "int16")])),
];

interface Topic {
  name: string;
  partitions: number[];
}
interface Txn {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: Topic[];
}

const every = (topics: Topic[], code: number): Msg[] =>
  topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: code })) }));

/** Every partition's answer for one transaction of the request. */
async function addOne(ctx: RequestContext, txn: Txn, version: number): Promise<Msg[]> {
  const refused = txnRefusal(ctx, txn.transactionalId);
  if (refused !== undefined) return every(txn.topics, refused);
  const codes = new Map<string, number>();
  const partitions: TxnPartition[] = [];
  for (const t of txn.topics) {
    const allowed = ctx.allowed("produce", `topic:${t.name}`);
    const info = allowed ? await topicInfo(ctx, t.name) : undefined;
    for (const p of t.partitions) {
      if (!allowed) codes.set(`${t.name}/${p}`, KafkaError.TOPIC_AUTHORIZATION_FAILED);
      else if (!info || p < 0 || p >= info.partitions) codes.set(`${t.name}/${p}`, KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
      else partitions.push({ topic: t.name, partition: p, epoch: info.epoch });
    }
  }
  const answer = (code: (key: string) => number): Msg[] =>
    txn.topics.map((t) => ({
      name: t.name,
      resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: code(`${t.name}/${p}`) })),
    }));
  if (codes.size > 0) return answer((key) => codes.get(key) ?? KafkaError.OPERATION_NOT_ATTEMPTED);
  const producer = { transactionalId: txn.transactionalId, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
  if (txn.verifyOnly) {
    const r = await onCoordinator(ctx, txn.transactionalId, version, 2, (c) => c.verify({ ...producer, partitions }));
    if (!r.ok) return every(txn.topics, r.code);
    const missing = new Set(r.value.missing.map((p) => `${p.topic}/${p.partition}`));
    return answer((key) => (missing.has(key) ? KafkaError.INVALID_TXN_STATE : KafkaError.NONE));
  }
  const r = await onCoordinator(ctx, txn.transactionalId, version, 2, (c) => c.addPartitions({ ...producer, partitions }));
  return every(txn.topics, r.ok ? KafkaError.NONE : r.code);
}

export const addPartitionsToTxnApi: KafkaApi = {
  apiKey: 24,
  name: "AddPartitionsToTxn",
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  request: [
    f(
      "transactions",
      "4+",
      array([
        f("transactionalId", "4+", "string"),
        f("producerId", "4+", "int64"),
        f("producerEpoch", "4+", "int16"),
        f("verifyOnly", "4+", "bool"),
        f("topics", "4+", array(topic)),
      ]),
    ),
    f("v3AndBelowTransactionalId", "0-3", "string"),
    f("v3AndBelowProducerId", "0-3", "int64"),
    f("v3AndBelowProducerEpoch", "0-3", "int16"),
    f("v3AndBelowTopics", "0-3", array(topic)),
  ],
  response: [
    f("throttleTimeMs", "0+", "int32"),
    f("errorCode", "4+", "int16"),
    f("resultsByTransaction", "4+", array([f("transactionalId", "4+", "string"), f("topicResults", "4+", array(topicResult))])),
    f("resultsByTopicV3AndBelow", "0-3", array(topicResult)),
  ],
  async handle(ctx, req, version) {
    if (version >= 4) {
      const txns = req.transactions as Txn[];
      const results = await Promise.all(txns.map((t) => addOne(ctx, t, version)));
      return {
        throttleTimeMs: 0,
        errorCode: KafkaError.NONE,
        resultsByTransaction: txns.map((t, i) => ({ transactionalId: t.transactionalId, topicResults: results[i] })),
      };
    }
    const txn: Txn = {
      transactionalId: req.v3AndBelowTransactionalId,
      producerId: req.v3AndBelowProducerId,
      producerEpoch: req.v3AndBelowProducerEpoch,
      verifyOnly: false,
      topics: req.v3AndBelowTopics,
    };
    return { throttleTimeMs: 0, resultsByTopicV3AndBelow: await addOne(ctx, txn, version) };
  },
  refuse: (req, code) => ({
    throttleTimeMs: 0,
    errorCode: code,
    resultsByTransaction: ((req.transactions as Txn[] | undefined) ?? []).map((t) => ({
      transactionalId: t.transactionalId,
      topicResults: every(t.topics, code),
    })),
    resultsByTopicV3AndBelow: every((req.v3AndBelowTopics as Topic[] | undefined) ?? [], code),
  }),
};
