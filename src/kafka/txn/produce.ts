// The transactional part of a Produce request (KIP-98, KIP-890 part 1), decided before any
// partition is written: which partitions' batches may go to the log, and whether they go as a
// transaction's (AppendRequest.transactional, which lets the partition open the producer's
// transaction there and hold its last stable offset).
//   - Clients never write control batches (attributes bit 5): INVALID_RECORD.
//   - A partition's batches are all transactional or none, from one producer id and epoch.
//   - Without a transactional id, transactional batches are refused (INVALID_TXN_STATE): no
//     coordinator would ever write their marker. (The HTTP route refuses them the same way.)
//   - With one: `produce` on `transactional_id:<id>`, every batch transactional, one producer for
//     the whole request, and the coordinator confirms in one call that each partition is in the
//     producer's open transaction (INVALID_TXN_STATE when not; INVALID_PRODUCER_EPOCH when the
//     producer is fenced, which is what Produce answers for it).
import { CONTROL_FLAG, readBatchHeader, TRANSACTIONAL_FLAG } from "../../core/batch/record-batch.ts";
import type { RequestContext } from "../api.ts";
import { KafkaError } from "../error-codes.ts";
import { onCoordinator, txnRefusal } from "./access.ts";

interface Refusal {
  code: number;
  message: string;
}

export interface TxnProduceCheck {
  /** The request's batches belong to a transaction whose coordinator has every partition written. */
  transactional: boolean;
  refusal(topic: string, partition: number): Refusal | undefined;
}

interface Producer {
  transactional: boolean;
  producerId: number;
  producerEpoch: number;
}

/** The batches' common producer, or a refusal. Malformed headers are left to the append's validation. */
function producerOf(records: Uint8Array): Producer | Refusal | undefined {
  let first: Producer | undefined;
  try {
    for (let pos = 0; pos < records.length; ) {
      const h = readBatchHeader(records, pos);
      if ((h.attributes & CONTROL_FLAG) !== 0) return { code: KafkaError.INVALID_RECORD, message: "clients may not write control batches" };
      const here = { transactional: (h.attributes & TRANSACTIONAL_FLAG) !== 0, producerId: h.producerId, producerEpoch: h.producerEpoch };
      if (
        first &&
        (first.transactional !== here.transactional || first.producerId !== here.producerId || first.producerEpoch !== here.producerEpoch)
      )
        return {
          code: KafkaError.INVALID_RECORD,
          message: "a partition's batches must all be transactional or not, from one producer id and epoch",
        };
      first ??= here;
      pos += h.size;
    }
  } catch {
    return first;
  }
  return first;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export async function transactionalCheck(
  ctx: RequestContext,
  transactionalId: string | null,
  topics: Array<{ name: string; partitionData: Array<{ index: number; records: Uint8Array | null }> }>,
): Promise<TxnProduceCheck> {
  const refusals = new Map<string, Refusal>();
  const producers: Array<{ topic: string; partition: number; producer: Producer }> = [];
  for (const t of topics) {
    for (const p of t.partitionData) {
      if (!p.records || p.records.length === 0) continue;
      const found = producerOf(p.records);
      if (!found) continue;
      if ("code" in found) refusals.set(key(t.name, p.index), found);
      else producers.push({ topic: t.name, partition: p.index, producer: found });
    }
  }
  const answer = (transactional: boolean, all?: Refusal): TxnProduceCheck => ({
    transactional,
    refusal: (topic, partition) => all ?? refusals.get(key(topic, partition)),
  });
  if (transactionalId === null) {
    for (const p of producers) {
      if (p.producer.transactional)
        refusals.set(key(p.topic, p.partition), {
          code: KafkaError.INVALID_TXN_STATE,
          message: "a transactional batch (attributes bit 4) needs the request's transactional id",
        });
    }
    return answer(false);
  }
  const refused = txnRefusal(ctx, transactionalId);
  if (refused !== undefined) return answer(true, { code: refused, message: `may not produce as transactional id "${transactionalId}"` });
  const one = producers[0]?.producer;
  const verify: Array<{ topic: string; partition: number }> = [];
  for (const p of producers) {
    const k = key(p.topic, p.partition);
    if (!p.producer.transactional)
      refusals.set(k, {
        code: KafkaError.INVALID_TXN_STATE,
        message: "with a transactional id every batch must be transactional (attributes bit 4)",
      });
    else if (p.producer.producerId !== one!.producerId || p.producer.producerEpoch !== one!.producerEpoch)
      refusals.set(k, {
        code: KafkaError.INVALID_RECORD,
        message: "a transactional request's batches must come from one producer id and epoch",
      });
    else verify.push({ topic: p.topic, partition: p.partition });
  }
  if (verify.length === 0) return answer(true);
  const r = await onCoordinator(ctx, transactionalId, 0, Infinity, (c) =>
    c.verify({ transactionalId, producerId: one!.producerId, producerEpoch: one!.producerEpoch, partitions: verify }),
  );
  if (!r.ok) return answer(true, { code: r.code, message: r.message });
  for (const m of r.value.missing) {
    refusals.set(key(m.topic, m.partition), {
      code: KafkaError.INVALID_TXN_STATE,
      message: `${m.topic} partition ${m.partition} is not in transactional id "${transactionalId}"'s open transaction: AddPartitionsToTxn first`,
    });
  }
  return answer(true);
}
