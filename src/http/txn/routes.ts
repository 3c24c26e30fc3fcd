// /v1/transactions — transactions over HTTP (docs/transactions.md). Each route is one call to
// the transactional id's coordinator object (src/core/txn/service.ts); records are produced
// with the Transactional-Id header on POST /v1/topics/{topic}/records (src/http/log/produce.ts).
import type { OpenAPIHono } from "@hono/zod-openapi";
import { openApp, openRoute, readBody } from "../openapi/route.ts";
import { BEGIN, DESCRIBE_TXN, endRoute, INIT, InitBody, LIST_TXNS, OFFSETS, OffsetsBody, Producer } from "./schemas.ts";
import { unwrap } from "../../core/errors.ts";
import { TXN_REGISTRY_NAME } from "../../core/txn/types.ts";
import { respond } from "../content.ts";
import type { AppDeps } from "../deps.ts";
import { canSee, principalOf, requireGrant } from "../auth/principal.ts";
import { producerOf, requireTxnGrant, transactionalIdParam, txnObject } from "./identity.ts";

/** No body reads as {} (then a required field is named); a field's mistake is invalid_parameter. */
const fields = { code: "invalid_parameter", optional: true } as const;

export function txnRoutes(deps: AppDeps): OpenAPIHono {
  const app = openApp();

  // InitProducerId with a transactional id: the next epoch, fencing every earlier incarnation.
  openRoute(app, INIT, async (c) => {
    const id = transactionalIdParam(c.req.param("id"));
    requireTxnGrant(c, id);
    const timeoutMs = (await readBody(c, InitBody, fields)).transaction_timeout_ms;
    const r = unwrap(await txnObject(deps, id).init({ transactionalId: id, timeoutMs }));
    return respond(c, 200, { producer_id: r.producer_id, producer_epoch: r.producer_epoch });
  });

  openRoute(app, BEGIN, async (c) => {
    const id = transactionalIdParam(c.req.param("id"));
    requireTxnGrant(c, id);
    const producer = producerOf(id, await readBody(c, Producer, fields));
    const r = unwrap(await txnObject(deps, id).begin(producer));
    return respond(c, 200, { state: r.state });
  });

  // AddOffsetsToTxn + TxnOffsetCommit: a consumer group's offsets, committed with the
  // transaction (visible on commit, dropped on abort). The member's epoch and ownership are
  // checked as for a commit, so a fenced consumer cannot commit through a transaction (KIP-447).
  openRoute(app, OFFSETS, async (c) => {
    const id = transactionalIdParam(c.req.param("id"));
    requireTxnGrant(c, id);
    const b = await readBody(c, OffsetsBody, fields);
    const producer = producerOf(id, b);
    const group = b.group;
    requireGrant(c, "consume", `group:${group}`);
    unwrap(await txnObject(deps, id).addOffsets({ ...producer, group }));
    unwrap(
      await deps
        .group(group)
        .txnCommit(group, { memberId: b.member_id, memberEpoch: b.member_epoch, offsets: b.offsets, producerId: producer.producerId }),
    );
    return respond(c, 200, { group, offsets: b.offsets.length });
  });

  for (const [path, commit] of [
    ["commit", true],
    ["abort", false],
  ] as const) {
    // EndTxn. The answer carries the producer's epoch for its next transaction (KIP-890: each
    // transaction ends with an epoch bump, which fences late writes of the one just ended).
    openRoute(app, endRoute(path), async (c) => {
      const id = transactionalIdParam(c.req.param("id"));
      requireTxnGrant(c, id);
      const producer = producerOf(id, await readBody(c, Producer, fields));
      const r = unwrap(await txnObject(deps, id).end({ ...producer, commit }));
      return respond(c, 200, {
        producer_id: r.producer_id,
        producer_epoch: r.producer_epoch,
        state: r.state,
        ...(r.markers_pending ? { markers_pending: true } : {}),
      });
    });
  }

  // DescribeTransactions.
  openRoute(app, DESCRIBE_TXN, async (c) => {
    const id = transactionalIdParam(c.req.param("id"));
    requireTxnGrant(c, id, ["produce", "consume"]);
    const { ok: _ok, ...described } = unwrap(await txnObject(deps, id).describe(id));
    return respond(c, 200, described);
  });

  // ListTransactions: the ids this key may see, with their current state.
  openRoute(app, LIST_TXNS, async (c) => {
    principalOf(c);
    const ids = (await txnObject(deps, TXN_REGISTRY_NAME).list()).filter((t) => canSee(c, `transactional_id:${t.transactional_id}`));
    const described = await Promise.all(ids.map((t) => txnObject(deps, t.transactional_id).describe(t.transactional_id)));
    const transactions = described.flatMap((d) =>
      d.ok ? [{ transactional_id: d.transactional_id, producer_id: d.producer_id, producer_epoch: d.producer_epoch, state: d.state }] : [],
    );
    return respond(c, 200, { transactions });
  });

  return app;
}
