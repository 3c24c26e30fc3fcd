// /v1/transactions in the OpenAPI document (docs/transactions.md). The request bodies are the
// schemas the routes parse with (readBody): the integer rules and the offsets of the group
// bodies (groups/body.ts), so a field's mistake is invalid_parameter naming it.
import { createRoute, z } from "@hono/zod-openapi";
import { AUTH_ERRORS, checkedParam, errors, structured } from "../openapi/schemas.ts";
import { CommitOffsets, GroupNameField, int, MemberIdRequired, strictBody } from "../groups/body.ts";
import { transactionalIdParam } from "./identity.ts";

const tags = ["Transactions"];
const IdPath = z.object({
  id: checkedParam(transactionalIdParam).openapi({ type: "string", pattern: "^[a-zA-Z0-9._-]{1,249}$", example: "payments-1" }),
});
const State = z.enum(["Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort"]);

const producer = { producer_id: int({ max: Number.MAX_SAFE_INTEGER }), producer_epoch: int({ max: 32_767 }) };
export const Producer = strictBody(producer).openapi("TxnProducer");
export const InitBody = strictBody({ transaction_timeout_ms: int({ min: 1 }).optional() }).openapi("TxnInitRequest");
export const OffsetsBody = strictBody({
  ...producer,
  group: GroupNameField,
  member_id: MemberIdRequired,
  member_epoch: int(),
  offsets: CommitOffsets,
}).openapi("TxnOffsetsRequest");

const identity = { producer_id: 7001, producer_epoch: 4 };
const ProducerAnswer = z.object({ producer_id: z.int(), producer_epoch: z.int() });

export const INIT = createRoute({
  method: "post",
  path: "/{id}/init",
  tags,
  summary: "Initialise the transactional producer (bumps the epoch, fencing earlier incarnations)",
  request: { params: IdPath, body: { required: false, content: structured(InitBody, { transaction_timeout_ms: 60_000 }) } },
  responses: {
    200: { description: "The producer id and epoch", content: structured(ProducerAnswer, identity) },
    ...errors(400, ...AUTH_ERRORS, 409, 415),
  },
});

export const BEGIN = createRoute({
  method: "post",
  path: "/{id}/begin",
  tags,
  summary: "Begin a transaction",
  request: { params: IdPath, body: { required: true, content: structured(Producer, identity) } },
  responses: {
    200: { description: "The transaction's state", content: structured(z.object({ state: State }), { state: "Ongoing" }) },
    ...errors(400, ...AUTH_ERRORS, 409, 415),
  },
});

export const OFFSETS = createRoute({
  method: "post",
  path: "/{id}/offsets",
  tags,
  summary: "Commit a consumer group's offsets with the transaction (KIP-447: the member must own them)",
  request: {
    params: IdPath,
    body: {
      required: true,
      content: structured(OffsetsBody, {
        ...identity,
        group: "billing",
        member_id: "m-5f2c1a9e",
        member_epoch: 3,
        offsets: [{ topic: "orders", partition: 2, offset: 42 }],
      }),
    },
  },
  responses: {
    200: {
      description: "How many offsets were added",
      content: structured(z.object({ group: z.string(), offsets: z.int() }), { group: "billing", offsets: 1 }),
    },
    ...errors(400, ...AUTH_ERRORS, 404, 409, 415),
  },
});

export function endRoute(path: "commit" | "abort") {
  return createRoute({
    method: "post",
    path: `/{id}/${path}`,
    tags,
    summary: path === "commit" ? "Commit the transaction" : "Abort the transaction",
    description: "The answer carries the producer's epoch for its next transaction (KIP-890: each transaction ends with an epoch bump).",
    request: { params: IdPath, body: { required: true, content: structured(Producer, identity) } },
    responses: {
      200: {
        description: "The producer's next identity and the transaction's state",
        content: structured(ProducerAnswer.extend({ state: State, markers_pending: z.literal(true).optional() }), {
          producer_id: 7001,
          producer_epoch: 5,
          state: path === "commit" ? "CompleteCommit" : "CompleteAbort",
        }),
      },
      ...errors(400, ...AUTH_ERRORS, 409, 415),
    },
  });
}

const Description = z
  .object({
    transactional_id: z.string(),
    producer_id: z.int(),
    producer_epoch: z.int(),
    state: State,
    transaction_timeout_ms: z.int(),
    transaction_start_time: z.int().nullable(),
    partitions: z.array(z.object({ topic: z.string(), partition: z.int() })),
    groups: z.array(z.string()),
    pending_markers: z.int().optional(),
  })
  .openapi("Transaction");

export const DESCRIBE_TXN = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  summary: "Describe a transactional id (Kafka's DescribeTransactions)",
  request: { params: IdPath },
  responses: {
    200: {
      description: "The transactional id's producer and open transaction",
      content: structured(Description, {
        transactional_id: "payments-1",
        ...identity,
        state: "Ongoing",
        transaction_timeout_ms: 60_000,
        transaction_start_time: 1_764_547_200_000,
        partitions: [{ topic: "orders", partition: 2 }],
        groups: ["billing"],
      }),
    },
    ...errors(400, ...AUTH_ERRORS, 404),
  },
});

export const LIST_TXNS = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "List the transactional ids this key may see (Kafka's ListTransactions)",
  responses: {
    200: {
      description: "Transactional ids and their state",
      content: structured(
        z.object({
          transactions: z.array(z.object({ transactional_id: z.string(), producer_id: z.int(), producer_epoch: z.int(), state: State })),
        }),
        { transactions: [{ transactional_id: "payments-1", ...identity, state: "Ongoing" }] },
      ),
    },
    ...errors(...AUTH_ERRORS),
  },
});
