// DescribeTransactions (key 65, v0) and ListTransactions (key 66, v0-v1), flexible in every
// version (KIP-664): the coordinators' state as GET /v1/transactions/{id} and GET /v1/transactions
// show it. Describe needs `produce` or `consume` on `transactional_id:<id>` (Kafka's Describe);
// List shows only the ids the key's grants mention (TRANSACTIONAL_ID_AUTHORIZATION_FAILED is never
// answered for it, as in Kafka). States are Kafka's names (Empty, Ongoing, PrepareCommit, ...).
import { TXN_REGISTRY_NAME, type TxnDescription } from "../../core/txn/types.ts";
import type { KafkaApi, RequestContext } from "../api.ts";
import { KafkaError } from "../error-codes.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { onCoordinator, txnRefusal } from "./access.ts";

function describedAs(id: string, errorCode: number, d?: TxnDescription): Msg {
  const byTopic = new Map<string, number[]>();
  for (const p of d?.partitions ?? []) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
  return {
    errorCode,
    transactionalId: id,
    transactionState: d?.state ?? "",
    transactionTimeoutMs: d?.transaction_timeout_ms ?? 0,
    transactionStartTimeMs: d?.transaction_start_time ?? -1,
    producerId: d?.producer_id ?? -1,
    producerEpoch: d?.producer_epoch ?? -1,
    topicPartitions: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
  };
}

async function describeOne(ctx: RequestContext, id: string): Promise<Msg> {
  const refused = txnRefusal(ctx, id, ["produce", "consume"]);
  if (refused !== undefined) return describedAs(id, refused);
  const r = await onCoordinator(ctx, id, 0, 0, (c) => c.describe(id));
  return r.ok ? describedAs(id, KafkaError.NONE, r.value) : describedAs(id, r.code);
}

export const describeTransactionsApi: KafkaApi = {
  apiKey: 65,
  name: "DescribeTransactions",
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  request: [f("transactionalIds", "0+", array("string"))],
  response: [
    f("throttleTimeMs", "0+", "int32"),
    f(
      "transactionStates",
      "0+",
      array([
        f("errorCode", "0+", "int16"),
        f("transactionalId", "0+", "string"),
        f("transactionState", "0+", "string"),
        f("transactionTimeoutMs", "0+", "int32"),
        f("transactionStartTimeMs", "0+", "int64"),
        f("producerId", "0+", "int64"),
        f("producerEpoch", "0+", "int32"),
        f("topicPartitions", "0+", array([f("name", "0+", "string"), f("partitionIndexes", "0+", array("int32"))])),
      ]),
    ),
  ],
  async handle(ctx, req) {
    const ids = req.transactionalIds as string[];
    return { throttleTimeMs: 0, transactionStates: await Promise.all(ids.map((id) => describeOne(ctx, id))) };
  },
  refuse: (req, code) => ({
    throttleTimeMs: 0,
    transactionStates: ((req.transactionalIds as string[] | undefined) ?? []).map((id) => describedAs(id, code)),
  }),
};

export const listTransactionsApi: KafkaApi = {
  apiKey: 66,
  name: "ListTransactions",
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 0,
  request: [
    f("stateFilters", "0+", array("string")),
    f("producerIdFilters", "0+", array("int64")),
    f("durationFilter", "1+", "int64", { default: -1 }),
  ],
  response: [
    f("throttleTimeMs", "0+", "int32"),
    f("errorCode", "0+", "int16"),
    f(
      "transactionStates",
      "0+",
      array([f("transactionalId", "0+", "string"), f("producerId", "0+", "int64"), f("transactionState", "0+", "string")]),
    ),
  ],
  async handle(ctx, req) {
    if (!ctx.deps.txn) return { throttleTimeMs: 0, errorCode: KafkaError.COORDINATOR_NOT_AVAILABLE, transactionStates: [] };
    const listed = await onCoordinator(ctx, TXN_REGISTRY_NAME, 0, 0, async (c) => ({ ok: true as const, ids: await c.list() }));
    if (!listed.ok) return { throttleTimeMs: 0, errorCode: listed.code, transactionStates: [] };
    const states = new Set(req.stateFilters as string[]);
    const producers = new Set(req.producerIdFilters as number[]);
    const duration = req.durationFilter as number;
    const now = ctx.config.now();
    // The registry lists the ids; each one's coordinator has its current state.
    const visible = listed.value.ids.filter((t) => ctx.sees(`transactional_id:${t.transactional_id}`));
    const described = await Promise.all(
      visible.map((t) => onCoordinator(ctx, t.transactional_id, 0, 0, (c) => c.describe(t.transactional_id))),
    );
    const transactionStates = described.flatMap((d) => {
      if (!d.ok) return [];
      const v = d.value;
      if (states.size > 0 && !states.has(v.state)) return [];
      if (producers.size > 0 && !producers.has(v.producer_id)) return [];
      if (duration >= 0 && (v.transaction_start_time === null || now - v.transaction_start_time <= duration)) return [];
      return [{ transactionalId: v.transactional_id, producerId: v.producer_id, transactionState: v.state }];
    });
    return { throttleTimeMs: 0, errorCode: KafkaError.NONE, transactionStates };
  },
  refuse: (_req, code) => ({ throttleTimeMs: 0, errorCode: code, transactionStates: [] }),
};
