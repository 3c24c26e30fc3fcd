// Transactional ids and the producer identity a transaction's requests carry, and the grant they
// need: `produce` on `transactional_id:<id>` (Kafka's Write on TransactionalId), refused as
// transactional_id_authorization_failed (Kafka's TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
import type { Context } from "hono";
import { BrokerError } from "../../core/errors.ts";
import { allows, type Operation } from "../../core/keys/grants.ts";
import type { TxnApi, TxnProducer } from "../../core/txn/types.ts";
import type { AppDeps } from "../deps.ts";
import { principalOf } from "../auth/principal.ts";
import { integer } from "../groups/body.ts";

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

/** {producer_id, producer_epoch} from a body. */
export function producerOf(id: string, body: Record<string, unknown>): TxnProducer {
  return {
    transactionalId: id,
    producerId: integer("producer_id", body.producer_id, { max: Number.MAX_SAFE_INTEGER }),
    producerEpoch: integer("producer_epoch", body.producer_epoch, { max: 32_767 }),
  };
}
