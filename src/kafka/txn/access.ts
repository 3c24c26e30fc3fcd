// What every transaction API checks first, and how it reaches the coordinator. The grant is the
// one the HTTP routes check (src/http/txn/identity.ts): `produce` on `transactional_id:<id>` for
// the producer's requests (Kafka's Write on TransactionalId), `produce` or `consume` to describe
// (Kafka's Describe), else TRANSACTIONAL_ID_AUTHORIZATION_FAILED. The coordinator is the
// transactional id's object (src/core/txn/service.ts), reached from any broker by name.
import { BrokerError, type Failure } from "../../core/errors.ts";
import type { Operation } from "../../core/keys/grants.ts";
import type { TxnApi } from "../../core/txn/types.ts";
import type { RequestContext } from "../api.ts";
import { KafkaError, kafkaCodeFor } from "../error-codes.ts";

/** The ids a grant's resource can name (the HTTP route's rule); Kafka allows 249 characters. */
const ID = /^[a-zA-Z0-9._-]{1,249}$/;

/** The Kafka error for a request on transactional id `id`, or undefined when it may go ahead. */
export function txnRefusal(ctx: RequestContext, id: string | null, operations: Operation[] = ["produce"]): number | undefined {
  if (id === null || !ID.test(id)) return KafkaError.INVALID_REQUEST;
  if (!operations.some((op) => ctx.allowed(op, `transactional_id:${id}`))) return KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
  if (!ctx.deps.txn) return KafkaError.COORDINATOR_NOT_AVAILABLE;
  return undefined;
}

export type TxnOutcome<T> = { ok: true; value: T } | { ok: false; code: number; message: string };

/**
 * One call to the transactional id's coordinator. A refusal becomes its Kafka code — `fencedFrom`
 * is the first version of the API that knows PRODUCER_FENCED (KIP-588); older ones get
 * INVALID_PRODUCER_EPOCH for it. An unreachable object is COORDINATOR_NOT_AVAILABLE, which every
 * client retries (after a FindCoordinator).
 */
export async function onCoordinator<T extends { ok: true }>(
  ctx: RequestContext,
  id: string,
  version: number,
  fencedFrom: number,
  fn: (txn: TxnApi) => Promise<T | Failure>,
): Promise<TxnOutcome<T>> {
  try {
    const r = await fn(ctx.deps.txn!(id));
    if (r.ok) return { ok: true, value: r };
    return { ok: false, code: txnCodeFor(r.error.code, version, fencedFrom), message: r.error.message };
  } catch (err) {
    if (err instanceof BrokerError) return { ok: false, code: txnCodeFor(err.code, version, fencedFrom), message: err.message };
    ctx.config.log(`kafka: transaction coordinator "${id}" unreachable: ${(err as Error)?.message ?? String(err)}`);
    return { ok: false, code: KafkaError.COORDINATOR_NOT_AVAILABLE, message: "the transaction coordinator is not reachable; retry" };
  }
}

export function txnCodeFor(code: string, version: number, fencedFrom: number): number {
  if (code === "producer_fenced") return version >= fencedFrom ? KafkaError.PRODUCER_FENCED : KafkaError.INVALID_PRODUCER_EPOCH;
  return kafkaCodeFor(code);
}
