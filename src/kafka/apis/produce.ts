// Produce (key 0), v3-v9, flexible from v9. Each partition's `records` (RecordBatch v2, magic 2,
// as every client since Kafka 0.11 writes them) goes unchanged to the same partition append the
// binary HTTP route uses: validated in WASM, stored as it came with the base offset assigned,
// idempotent producers' sequences checked by the partition (KIP-98). The answer is sent after the
// append is durable, for acks 1 and -1 alike — there is one replica, the platform's storage.
// acks 0 gets no answer at all (the Kafka contract), though the append still completes before the
// next request on the connection is read. One partition's records are at most
// EDGEBROKER_MAX_REQUEST_BYTES, the limit of an HTTP produce body (MESSAGE_TOO_LARGE beyond).
// Transactional produce (KIP-98): a request with a transactional id needs `produce` on
// `transactional_id:<id>` (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); its batches must all be
// transactional, from one producer id and epoch. The transactional id's coordinator confirms in one
// call that each partition was added to the producer's open transaction (KIP-890 part 1), so a
// write no marker would ever close is refused (INVALID_TXN_STATE) and a fenced producer too
// (INVALID_PRODUCER_EPOCH); see ../txn/produce.ts. Clients may not write control batches.
import type { KafkaApi } from "../api.ts";
import { KafkaError } from "../error-codes.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { transactionalCheck } from "../txn/produce.ts";
import { notAuthorized, onPartition } from "./topic-access.ts";

const request = [
  f("transactionalId", "3+", "string", { nullable: "3+" }),
  f("acks", "0+", "int16"),
  f("timeoutMs", "0+", "int32"),
  f(
    "topicData",
    "0+",
    array([
      f("name", "0+", "string"),
      f("partitionData", "0+", array([f("index", "0+", "int32"), f("records", "0+", "records", { nullable: "0+" })])),
    ]),
  ),
];

const response = [
  f(
    "responses",
    "0+",
    array([
      f("name", "0+", "string"),
      f(
        "partitionResponses",
        "0+",
        array([
          f("index", "0+", "int32"),
          f("errorCode", "0+", "int16"),
          f("baseOffset", "0+", "int64"),
          f("logAppendTimeMs", "2+", "int64", { default: -1 }),
          f("logStartOffset", "5+", "int64", { default: -1 }),
          f("recordErrors", "8+", array([f("batchIndex", "8+", "int32"), f("batchIndexErrorMessage", "8+", "string", { nullable: "8+" })])),
          f("errorMessage", "8+", "string", { nullable: "8+" }),
        ]),
      ),
    ]),
  ),
  f("throttleTimeMs", "1+", "int32"),
];

interface PartitionData {
  index: number;
  records: Uint8Array | null;
}

function partitionError(index: number, errorCode: number, errorMessage: string | null): Msg {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage };
}

export const produceApi: KafkaApi = {
  apiKey: 0,
  name: "Produce",
  minVersion: 3,
  maxVersion: 9,
  flexibleFrom: 9,
  request,
  response,
  async handle(ctx, req) {
    const acks = req.acks as number;
    const topics = req.topicData as Array<{ name: string; partitionData: PartitionData[] }>;
    const every = (code: number, message: string): Msg => ({
      responses: topics.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => partitionError(p.index, code, message)),
      })),
      throttleTimeMs: 0,
    });
    if (acks !== 0 && acks !== 1 && acks !== -1) return every(KafkaError.INVALID_REQUIRED_ACKS, `acks must be 0, 1 or -1, got ${acks}`);
    const txn = await transactionalCheck(ctx, req.transactionalId, topics);
    let bytes = 0;
    const responses = await Promise.all(
      topics.map(async (t) => {
        const allowed = ctx.allowed("produce", `topic:${t.name}`);
        const partitionResponses = await Promise.all(
          t.partitionData.map(async (p): Promise<Msg> => {
            if (!allowed)
              return partitionError(p.index, KafkaError.TOPIC_AUTHORIZATION_FAILED, notAuthorized(ctx, `produce to topic ${t.name}`));
            if (!p.records || p.records.length === 0) return partitionError(p.index, KafkaError.INVALID_REQUEST, "no records");
            const refused = txn.refusal(t.name, p.index);
            if (refused) return partitionError(p.index, refused.code, refused.message);
            // The same bound as an HTTP request body: the partition keeps each append inside one
            // stored row's budget (src/core/limits.ts), so a larger one is refused whole.
            const max = ctx.deps.limits.maxRequestBytes;
            if (p.records.length > max)
              return partitionError(
                p.index,
                KafkaError.MESSAGE_TOO_LARGE,
                `${p.records.length} bytes of records for one partition; the limit is ${max} (EDGEBROKER_MAX_REQUEST_BYTES)`,
              );
            bytes += p.records.length;
            const records = p.records;
            const out = await onPartition(ctx, t.name, p.index, (topic) =>
              ctx.deps.partition(topic.name, p.index).append({
                topic: topic.name,
                partition: p.index,
                epoch: topic.epoch,
                batches: records,
                config: topic.config,
                configRevision: topic.config_revision,
                ...(txn.transactional ? { transactional: true } : {}),
              }),
            );
            if (!out.ok) return partitionError(p.index, out.code, out.message);
            return {
              index: p.index,
              errorCode: KafkaError.NONE,
              baseOffset: out.value.baseOffsets[0] ?? -1,
              logAppendTimeMs: -1,
              logStartOffset: -1,
              recordErrors: [],
              errorMessage: null,
            };
          }),
        );
        return { name: t.name, partitionResponses };
      }),
    );
    chargeBytes(ctx, bytes);
    return acks === 0 ? null : { responses, throttleTimeMs: 0 };
  },
  refuse: (req, code) =>
    req.acks === 0
      ? null
      : {
          responses: (req.topicData as Array<{ name: string; partitionData: PartitionData[] }>).map((t) => ({
            name: t.name,
            partitionResponses: t.partitionData.map((p) => partitionError(p.index, code, null)),
          })),
        },
};

/** Bytes produced or fetched go to the key's byte-rate quota, as a fetch over HTTP does. */
export function chargeBytes(
  ctx: { conn: { principal?: { kind: string; id?: string } }; deps: { key(id: string): { charge(bytes: number): unknown } } },
  bytes: number,
): void {
  const p = ctx.conn.principal;
  if (bytes === 0 || !p || p.kind !== "key" || !p.id) return;
  Promise.resolve()
    .then(() => ctx.deps.key(p.id!).charge(bytes))
    .catch(() => undefined);
}
