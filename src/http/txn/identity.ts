// Transactional ids and the producer identity a transaction's requests carry, and the grant they
// need: `produce` on `transactional_id:<id>` (Kafka's Write on TransactionalId), refused as
// transactional_id_authorization_failed (Kafka's TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
import type { Context } from "hono";
import { BrokerError } from "../../core/errors.ts";
import { allows, type Operation } from "../../core/keys/grants.ts";
import type { TxnApi, TxnProducer } from "../../core/txn/types.ts";
import type { AppDeps } from "../deps.ts";
import { principalOf } from "../auth/principal.ts";

/** Kafka allows 249 characters; the characters a grant's resource can name. */
const ID = /^[a-zA-Z0-9._-]{1,249}$/;

export function transactionalIdParam(raw: string): string {
  if (!ID.test(raw))
    throw new BrokerError("invalid_parameter", `transactional id: expected 1 to 249 of a-z A-Z 0-9 . _ -, got ${JSON.stringify(raw)}`);
  return raw;
}

export function requireTxnGrant(c: Context, id: string, operations: Operation[] = ["produce"]): void {
  const p = principalOf(c);
  if (p.kind === "admin" || operations.some((op) => allows(p.grants, op, `transactional_id:${id}`))) return;
  throw new BrokerError(
    "transactional_id_authorization_failed",
    `key "${p.name}" may not ${operations.join(" or ")} transactional_id:${id}`,
  );
}

export function txnObject(deps: AppDeps, id: string): TxnApi {
  if (!deps.txn) throw new BrokerError("not_configured", "this host has no transaction coordinators");
  return deps.txn(id);
}

/** The producer identity of a body parsed with txn/schemas.ts's Producer. */
export function producerOf(id: string, body: { producer_id: number; producer_epoch: number }): TxnProducer {
  return { transactionalId: id, producerId: body.producer_id, producerEpoch: body.producer_epoch };
}
