// The topic routes' request and answer schemas (GET /openapi.json). Names and configs are
// checked by the core's own rules (src/core/topics/config.ts), which Kafka's CreateTopics shares.
import { z } from "@hono/zod-openapi";
import { BrokerError } from "../../core/errors.ts";
import { MAX_TOPIC_NAME_LENGTH, TOPIC_CONFIGS, validateConfig, validateTopicName } from "../../core/topics/config.ts";
import { bodyObject, coreChecked, fail } from "../openapi/schemas.ts";

const configDoc = {
  type: "object" as const,
  description: `Topic configs, by Kafka's names: ${Object.keys(TOPIC_CONFIGS).join(", ")}`,
  additionalProperties: { oneOf: [{ type: "integer" as const }, { type: "string" as const }] },
};

export const TopicConfigIn = coreChecked(validateConfig).openapi(configDoc);

export function topicCreateSchema(maxPartitions: number) {
  return bodyObject({
    name: coreChecked(validateTopicName).openapi({
      type: "string",
      pattern: "^[a-zA-Z0-9._-]+$",
      maxLength: MAX_TOPIC_NAME_LENGTH,
      example: "orders",
    }),
    partitions: z
      .unknown()
      .optional()
      .transform((p, ctx) =>
        p === undefined
          ? 1
          : typeof p === "number" && Number.isSafeInteger(p) && p >= 1 && p <= maxPartitions
            ? p
            : fail(ctx, `expected an integer from 1 to ${maxPartitions}, got ${JSON.stringify(p)}`, "invalid_partitions"),
      )
      .openapi({ type: "integer", minimum: 1, maximum: maxPartitions, default: 1 }),
    config: TopicConfigIn.optional(),
  }).openapi("TopicCreate");
}

export const TopicPatch = z
  .looseObject(
    {
      // Required here (validateConfig alone lets a missing config mean "none").
      config: coreChecked((v) => {
        if (!v || typeof v !== "object") throw new BrokerError("invalid_config", "config: expected an object of config names to values");
        return validateConfig(v);
      }).openapi(configDoc),
    },
    { error: "the body must be an object" },
  )
  .openapi("TopicPatch");

export const PartitionStats = z
  .object({
    partition: z.int(),
    start_offset: z.int().openapi({ description: "The log start offset (the first offset still stored)" }),
    end_offset: z.int().openapi({ description: "The high watermark: the offset the next record gets" }),
    bytes: z.int(),
    rows: z.int(),
    segments: z.int(),
    oldest_timestamp: z.int().nullable(),
    rows_read: z.int(),
    rows_written: z.int(),
  })
  .openapi("PartitionStats");

export const TopicConfigOut = z
  .record(z.string(), z.union([z.int(), z.string()]))
  .openapi({ description: "Every config's effective value" });

export const TopicDescription = z
  .object({ name: z.string(), partitions: z.array(PartitionStats), config: TopicConfigOut, created_at: z.int() })
  .openapi("TopicDescription");

export const TopicList = z.object({ topics: z.array(z.object({ name: z.string(), partitions: z.int() })) }).openapi("TopicList");

export const topicExample = {
  name: "orders",
  partitions: [
    {
      partition: 0,
      start_offset: 0,
      end_offset: 1042,
      bytes: 188_416,
      rows: 12,
      segments: 12,
      oldest_timestamp: 1_764_547_200_000,
      rows_read: 40,
      rows_written: 12,
    },
  ],
  config: {
    "retention.ms": 604_800_000,
    "retention.bytes": -1,
    "cleanup.policy": "delete",
    "delete.retention.ms": 86_400_000,
    "max.message.bytes": 1_048_576,
    "message.timestamp.before.max.ms": Number.MAX_SAFE_INTEGER,
    "message.timestamp.after.max.ms": Number.MAX_SAFE_INTEGER,
  },
  created_at: 1_764_547_100_000,
};
