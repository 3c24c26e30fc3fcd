// The partition log's routes in the OpenAPI document: produce, fetch, offsets by timestamp,
// delete-records, producer ids. Produce and fetch are the data plane: their parameters and
// headers are validated through these schemas, but a produce body is checked by the hand-written
// parser (produce-body.ts: per record, no schema interpreter on the hot path); ProduceBody
// documents the same rules, and produce-body.schema.test.ts checks the two agree.
import { createRoute, z } from "@hono/zod-openapi";
import type { Limits } from "../../core/limits.ts";
import { EXAMPLE_VALUE } from "../openapi/examples.ts";
import { MEDIA } from "../content.ts";
import { AUTH_ERRORS, errors, fail, intQuery, IsolationQuery, PartitionPath, structured, TopicPath } from "../openapi/schemas.ts";

const tags = ["Produce and fetch"];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const b64 = z.string().regex(BASE64).openapi({ format: "byte" });
const offsetInt = z.int().min(0);

export const ProduceRecord = z
  .strictObject({
    key: z.string().nullable().optional().openapi({ description: "UTF-8 key (Kafka's partitioner hashes its bytes), or null" }),
    key_b64: b64.optional().openapi({ description: "A binary key, base64" }),
    value: z.unknown().optional().openapi({ description: "Any JSON value, stored as its JSON text; null is a tombstone" }),
    value_b64: b64.optional().openapi({ description: "A binary value, base64" }),
    headers: z.record(z.string(), z.string()).optional(),
    timestamp: offsetInt.optional().openapi({ description: "CreateTime, ms since the epoch (default: now)" }),
    partition: offsetInt.optional().openapi({ description: "The partition (default: ?partition=, else the key's hash)" }),
  })
  .superRefine((r, ctx) => {
    if (r.key !== undefined && r.key_b64 !== undefined) fail(ctx, "give key or key_b64, not both");
    if ((r.value === undefined) === (r.value_b64 === undefined)) fail(ctx, "exactly one of value or value_b64 is required");
  })
  .openapi("ProduceRecord");

export function produceBodySchema(limits: Pick<Limits, "maxRecordsPerRequest">) {
  return z.strictObject({ records: z.array(ProduceRecord).min(1).max(limits.maxRecordsPerRequest) }).openapi("ProduceRequest");
}

const ProduceAnswer = z
  .object({
    offsets: z
      .array(z.object({ partition: z.int(), offset: z.int() }))
      .openapi({ description: "One per record (per batch for a binary body), in order" }),
    duplicate: z.literal(true).optional().openapi({ description: "A retry of an appended idempotent request: the original offsets" }),
  })
  .openapi("ProduceResponse");

const Binary = z.string().openapi({ format: "binary", description: "One or more Kafka RecordBatch v2 (magic 2) batches" });

export const produceExample = {
  records: [
    { key: "order-1042", value: EXAMPLE_VALUE, headers: { source: "checkout" }, timestamp: 1_764_547_200_000 },
    { key_b64: "b3JkZXItMTA0Mw==", value_b64: "AAECAwQ=" },
  ],
};

export function produceRoute(limits: Limits) {
  const body = produceBodySchema(limits);
  return createRoute({
    method: "post",
    path: "/{topic}/records",
    tags,
    summary: "Produce records (JSON, MessagePack, or raw RecordBatch v2)",
    description:
      "JSON and MessagePack records are partitioned (murmur2 of the key; unkeyed records of one request go to one random partition) " +
      "and appended per partition. A `application/vnd.kafka.record-batch` body goes to `?partition=` unchanged. Idempotent: " +
      "Producer-Id, Producer-Epoch and Producer-Seq together (POST /v1/producers); transactional: add Transactional-Id " +
      "(docs/transactions.md).",
    request: {
      params: TopicPath,
      query: z.object({
        partition: intQuery({
          description: "The partition for records that name none (required for a binary body on a topic of more than one partition)",
        }),
      }),
      headers: z.object({
        "producer-id": intQuery({ max: Number.MAX_SAFE_INTEGER, description: "Idempotent producer id (POST /v1/producers)" }),
        "producer-epoch": intQuery({ max: 32_767 }),
        "producer-seq": intQuery({ max: 2_147_483_647, description: "The sequence number of this request's first record" }),
        "transactional-id": z.string().optional().openapi({ description: "Append within this transactional id's open transaction" }),
      }),
      body: {
        required: true,
        content: {
          ...structured(body, produceExample),
          [MEDIA.batch]: { schema: Binary },
        },
      },
    },
    responses: {
      200: {
        description: "The offsets, one per record (binary: one per batch, its base offset)",
        content: structured(ProduceAnswer, {
          offsets: [
            { partition: 2, offset: 41 },
            { partition: 0, offset: 17 },
          ],
        }),
      },
      ...errors(400, ...AUTH_ERRORS, 404, 409, 413, 415),
    },
  });
}

const FetchedRecord = z
  .object({
    offset: z.int(),
    timestamp: z.int(),
    key: z.string().nullable().optional(),
    key_b64: z.string().optional(),
    value: z.unknown().optional().openapi({ description: "The stored bytes as JSON when they are valid UTF-8 JSON text" }),
    value_b64: z.string().optional().openapi({ description: "Otherwise base64" }),
    headers: z.record(z.string(), z.string()),
  })
  .openapi("FetchedRecord");

const FetchPage = z
  .object({
    records: z.array(FetchedRecord),
    next_offset: z.int(),
    high_watermark: z.int(),
    log_start_offset: z.int(),
    last_stable_offset: z.int().optional().openapi({ description: "With isolation=read_committed" }),
  })
  .openapi("FetchResponse");

const OffsetQuery = z
  .string()
  .optional()
  .transform((raw, ctx) =>
    raw === undefined || raw === "earliest" || raw === "latest" || /^(0|[1-9][0-9]*)$/.test(raw)
      ? raw
      : fail(ctx, `expected a non-negative integer, got "${raw}"`),
  )
  .openapi({ description: "The first offset to read: an integer, earliest (default) or latest", example: "0" });

export function fetchRoute(limits: Limits) {
  return createRoute({
    method: "get",
    path: "/{topic}/partitions/{partition}/records",
    tags,
    summary: "Fetch records from an offset (optionally long-polling)",
    description:
      "JSON and MessagePack pages hold decoded records from `offset` on. With `Accept: application/vnd.kafka.record-batch` the answer " +
      "is the stored batches as they are (the first may start before `offset`, as in Kafka), with the offsets in Edgebroker-* headers.",
    request: {
      params: PartitionPath,
      query: z.object({
        offset: OffsetQuery,
        max_records: intQuery({
          min: 1,
          max: limits.maxFetchRecords,
          description: "Default 500 for JSON/MessagePack, the maximum for binary",
        }),
        max_bytes: intQuery({ min: 1, default: 1_048_576, max: limits.maxFetchBytes }),
        wait_ms: intQuery({
          default: 0,
          max: limits.maxWaitMs,
          description: "Long-poll: answer as soon as a record at or after offset exists",
        }),
        isolation: IsolationQuery,
      }),
    },
    responses: {
      200: {
        description: "A page of records",
        headers: {
          "Edgebroker-Next-Offset": { schema: { type: "integer" }, description: "Binary answers: the offset to read next" },
          "Edgebroker-High-Watermark": { schema: { type: "integer" } },
          "Edgebroker-Log-Start-Offset": { schema: { type: "integer" } },
        },
        content: {
          ...structured(FetchPage, {
            records: [
              { offset: 41, timestamp: 1_764_547_200_000, key: "order-1042", value: EXAMPLE_VALUE, headers: { source: "checkout" } },
            ],
            next_offset: 42,
            high_watermark: 42,
            log_start_offset: 0,
          }),
          [MEDIA.batch]: { schema: Binary },
        },
      },
      ...errors(400, ...AUTH_ERRORS, 404, 416),
    },
  });
}

const TimestampQuery = z
  .string({ error: "required" })
  .transform((raw, ctx) =>
    raw === "earliest" || raw === "latest" || /^(0|[1-9][0-9]*)$/.test(raw)
      ? raw
      : fail(ctx, `expected a non-negative integer, got "${raw}"`),
  )
  .openapi({ description: "ms since the epoch, or earliest / latest", example: "1764547200000" });

export const OFFSETS_ROUTE = createRoute({
  method: "get",
  path: "/{topic}/partitions/{partition}/offsets",
  tags,
  summary: "The first offset whose timestamp is at or after `timestamp` (Kafka's ListOffsets)",
  request: { params: PartitionPath, query: z.object({ timestamp: TimestampQuery }) },
  responses: {
    200: {
      description: "The offset and its record's timestamp (-1 offsets/timestamps when none)",
      content: structured(z.object({ offset: z.int(), timestamp: z.int() }), { offset: 1042, timestamp: 1_764_547_200_000 }),
    },
    ...errors(400, ...AUTH_ERRORS, 404),
  },
});

export const DeleteRecordsBody = z
  .looseObject(
    {
      before_offset: z
        .unknown()
        .transform((v, ctx) =>
          typeof v === "number" && Number.isSafeInteger(v) && v >= -1
            ? v
            : fail(ctx, "expected an offset (an integer >= 0), or -1 for the high watermark"),
        )
        .openapi({ type: "integer", minimum: -1 }),
    },
    { error: "before_offset: expected an offset (an integer >= 0), or -1 for the high watermark" },
  )
  .openapi("DeleteRecordsRequest");

export const DELETE_RECORDS_ROUTE = createRoute({
  method: "post",
  path: "/{topic}/partitions/{partition}/delete-records",
  tags,
  summary: "Delete the records before an offset (Kafka's DeleteRecords)",
  request: { params: PartitionPath, body: { required: true, content: structured(DeleteRecordsBody, { before_offset: 1000 }) } },
  responses: {
    200: { description: "The new log start offset", content: structured(z.object({ start_offset: z.int() }), { start_offset: 1000 }) },
    ...errors(400, ...AUTH_ERRORS, 404, 415, 416),
  },
});

export const ProducerBody = z
  .strictObject(
    { name: z.string().optional().openapi({ description: "A stable name: the same name bumps the epoch, fencing older incarnations" }) },
    {
      error: (iss) => (iss.code === "unrecognized_keys" ? `${iss.keys[0]}: unknown field (expected name)` : "the body must be an object"),
    },
  )
  .openapi("ProducerRequest");

export const PRODUCERS_ROUTE = createRoute({
  method: "post",
  path: "/",
  tags,
  summary: "Get a producer id and epoch for idempotent produce (Kafka's InitProducerId)",
  request: { body: { required: false, content: structured(ProducerBody, { name: "device-42" }) } },
  responses: {
    200: {
      description: "The producer's id and epoch",
      content: structured(z.object({ producer_id: z.int(), producer_epoch: z.int() }), { producer_id: 7, producer_epoch: 0 }),
    },
    ...errors(400, ...AUTH_ERRORS, 415),
  },
});
