// The request bodies of the consumer-group routes (and the transaction routes' offsets), as the
// zod schemas that both validate them (readBody / parseBody, src/http/openapi/route.ts) and
// describe them in GET /openapi.json. Parsed with the code invalid_parameter: a field's mistake
// names the field ("offsets[2].partition: must be at least 0, got -1"). A body (or nested object)
// that is not an object, or that has an unknown field, is bad_request, as content.ts's asObject
// answers: a typo such as "auto_comit" must not silently fall back to a default.
import { z } from "@hono/zod-openapi";
import { BrokerError, type ErrorCode } from "../../core/errors.ts";
import type { Limits } from "../../core/limits.ts";
import type { AssignorName, CommitOffset, OffsetReset, Subscription } from "../../core/groups/types.ts";
import { groupNameProblem, isMemberId } from "../../core/groups/types.ts";
import { coreChecked } from "../openapi/schemas.ts";

export const DEFAULT_SESSION_TIMEOUT_MS = 45_000; // Kafka's session.timeout.ms default
export const MIN_SESSION_TIMEOUT_MS = 500;
export const MAX_SESSION_TIMEOUT_MS = 1_800_000; // Kafka's group.max.session.timeout.ms
const MAX_PATTERN_LENGTH = 256;
const MAX_SUBSCRIBED_TOPICS = 1_000;
const MAX_METADATA_LENGTH = 4_096; // Kafka's offset.metadata.max.bytes
const MAX_COMMIT_OFFSETS = 10_000;
const MEMBER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function groupNameParam(raw: string): string {
  const problem = groupNameProblem(raw);
  if (problem) throw new BrokerError("invalid_group_name", `group: ${problem}`);
  return raw;
}

export function memberIdParam(raw: string): string {
  if (!isMemberId(raw))
    throw new BrokerError(
      "invalid_member_id",
      `member id "${raw.slice(0, 80)}" is malformed: expected 1 to 64 characters of A-Z a-z 0-9 _ -`,
    );
  return raw;
}

/** A custom issue answered with its own code (route.ts's issueError reads `params.code`). */
function coded(ctx: z.RefinementCtx, code: ErrorCode, message: string, path?: PropertyKey[]): void {
  ctx.addIssue({ code: "custom", message, params: { code }, ...(path ? { path } : {}) });
}

/** Refuses what is not an object, or an object with a field not in `fields`, as bad_request. */
function objectOf(fields: string[], what: string, objectsOnly = false) {
  return (v: unknown, ctx: z.RefinementCtx): unknown => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      if (!objectsOnly) coded(ctx, "bad_request", what);
    } else {
      const unknown = Object.keys(v).find((k) => !fields.includes(k));
      if (unknown !== undefined) coded(ctx, "bad_request", `unknown field (expected ${fields.join(", ")})`, [unknown]);
    }
    return v;
  };
}

/**
 * An object of exactly these fields. The shape checks run first (zod's pipe stops at them); the
 * document shows the strict object itself (a preprocess is documented by its output schema).
 */
export function strictFields<T extends z.ZodRawShape>(shape: T, what = "expected an object") {
  return z.preprocess(objectOf(Object.keys(shape), what), z.strictObject(shape));
}

/** A request body of exactly these fields. */
export const strictBody = <T extends z.ZodRawShape>(shape: T) => strictFields(shape, "the body must be an object");

/** A safe integer from `min` (default 0) to `max`; absent or null is "required". */
export function int(opts: { min?: number; max?: number } = {}) {
  const min = opts.min ?? 0;
  const base = z
    .int({ error: (iss) => (iss.input == null ? "required" : `expected an integer, got ${JSON.stringify(iss.input)}`) })
    .min(min, { error: (iss) => `must be at least ${min}, got ${iss.input}` });
  const max = opts.max;
  return max === undefined ? base : base.max(max, { error: (iss) => `${iss.input} exceeds the maximum of ${max}` });
}

/** An integer that may be absent or null, meaning `dflt`. */
function intOr(dflt: number, opts: { min?: number; max?: number }) {
  return int(opts)
    .nullish()
    .transform((v) => v ?? dflt)
    .openapi({ default: dflt });
}

const flag = (dflt: boolean) =>
  z
    .boolean({ error: "expected true or false" })
    .optional()
    .transform((v) => v ?? dflt);

const topicName = z.string({ error: "expected a topic name" }).min(1, { error: "expected a topic name" });

/** "earliest", "latest" or {"timestamp": T}; an unknown field of the object is refused by name. */
const OffsetResetIn = z.preprocess(
  objectOf(["timestamp"], "", true),
  z.union([z.enum(["earliest", "latest"]), z.strictObject({ timestamp: int().openapi({ description: "Milliseconds since the epoch" }) })], {
    error: (iss) => `expected "earliest", "latest" or {"timestamp": <ms since the epoch>}, got ${JSON.stringify(iss.input)}`,
  }),
);

// ---- POST /v1/groups/{group}/members ----

export interface JoinBody {
  memberId?: string;
  subscription: Subscription;
  sessionTimeoutMs: number;
  autoOffsetReset: OffsetReset;
  autoCommit: boolean;
  assignor?: AssignorName;
}

/** A member id in a body: a malformed one is invalid_member_id (memberIdParam's answer). */
export const MemberIdField = coreChecked((v) => {
  if (typeof v !== "string") throw new BrokerError("invalid_parameter", "member_id: expected a string");
  return memberIdParam(v);
}).openapi({ type: "string", pattern: MEMBER_ID.source, example: "m-5f2c1a9e" });

/** A required member id (the transaction routes' offsets): missing or malformed is invalid_member_id. */
export const MemberIdRequired = coreChecked((v) => {
  if (typeof v !== "string") throw new BrokerError("invalid_member_id", "member_id: required, a member id");
  return memberIdParam(v);
}).openapi({ type: "string", pattern: MEMBER_ID.source, example: "m-5f2c1a9e" });

/** A group name in a body, checked as the path's (groupNameParam): invalid_group_name. */
export const GroupNameField = coreChecked((v) => groupNameParam(typeof v === "string" ? v : "")).openapi({
  type: "string",
  pattern: "^[a-zA-Z0-9._-]+$",
  example: "billing",
});

export const JoinBody = strictBody({
  topics: z
    .array(topicName, { error: `expected 1 to ${MAX_SUBSCRIBED_TOPICS} topic names` })
    .min(1, { error: `expected 1 to ${MAX_SUBSCRIBED_TOPICS} topic names` })
    .max(MAX_SUBSCRIBED_TOPICS, { error: `expected 1 to ${MAX_SUBSCRIBED_TOPICS} topic names` })
    .optional()
    .openapi({ description: "The topics to consume (or pattern)" }),
  pattern: z
    .string({ error: `expected a regular expression of 1 to ${MAX_PATTERN_LENGTH} characters` })
    .min(1, { error: `expected a regular expression of 1 to ${MAX_PATTERN_LENGTH} characters` })
    .max(MAX_PATTERN_LENGTH, { error: `expected a regular expression of 1 to ${MAX_PATTERN_LENGTH} characters` })
    .superRefine((p, ctx) => {
      try {
        new RegExp(p);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: `not a valid regular expression: ${(err as Error).message}` });
      }
    })
    .optional()
    .openapi({ description: "A regular expression over topic names" }),
  session_timeout_ms: intOr(DEFAULT_SESSION_TIMEOUT_MS, { min: MIN_SESSION_TIMEOUT_MS, max: MAX_SESSION_TIMEOUT_MS }),
  auto_offset_reset: OffsetResetIn.optional().openapi({
    description: "Where a partition with no committed offset starts (default latest)",
  }),
  auto_commit: flag(true).openapi({ default: true, description: "A poll commits what the previous poll delivered" }),
  assignor: z.enum(["uniform", "range"], { error: (iss) => `expected "uniform" or "range", got ${JSON.stringify(iss.input)}` }).optional(),
  member_id: MemberIdField.optional().openapi({ description: "Rejoin as this member" }),
})
  .superRefine((b, ctx) => {
    if (b.topics !== undefined && b.pattern !== undefined)
      ctx.addIssue({ code: "custom", path: ["topics"], message: "give either topics or pattern, not both" });
    else if (b.topics === undefined && b.pattern === undefined)
      ctx.addIssue({ code: "custom", path: ["topics"], message: "required: the topics to consume (or a pattern)" });
  })
  .transform(
    (b): JoinBody => ({
      memberId: b.member_id,
      subscription: b.topics !== undefined ? { topics: [...new Set(b.topics)].sort() } : { pattern: b.pattern! },
      sessionTimeoutMs: b.session_timeout_ms,
      autoOffsetReset: b.auto_offset_reset ?? "latest", // Kafka's default
      autoCommit: b.auto_commit,
      assignor: b.assignor,
    }),
  )
  .openapi("JoinRequest", { description: "Give topics or a pattern, not both" });

// ---- POST /v1/groups/{group}/members/{member}/poll ----

export interface PollBody {
  memberEpoch: number;
  maxRecords: number;
  maxBytes: number;
  waitMs: number;
  /** Kafka's isolation.level: read_committed reads stop at each partition's last stable offset. */
  isolation?: "read_committed" | "read_uncommitted";
}

export function pollBodySchema(limits: Limits) {
  return strictBody({
    member_epoch: int(),
    max_records: intOr(500, { min: 1, max: limits.maxFetchRecords }),
    max_bytes: intOr(1_048_576, { min: 1, max: limits.maxFetchBytes }),
    wait_ms: intOr(0, { max: limits.maxWaitMs }),
    isolation: z
      .enum(["read_uncommitted", "read_committed"], {
        error: (iss) => `expected "read_committed" or "read_uncommitted", got ${JSON.stringify(iss.input)}`,
      })
      .optional(),
  })
    .transform(
      (b): PollBody => ({
        memberEpoch: b.member_epoch,
        maxRecords: b.max_records,
        maxBytes: b.max_bytes,
        waitMs: b.wait_ms,
        ...(b.isolation === "read_committed" ? { isolation: "read_committed" as const } : {}),
      }),
    )
    .openapi("PollRequest");
}

// ---- POST /v1/groups/{group}/members/{member}/commit (and the transaction routes' offsets) ----

const partitionOffset = { topic: topicName, partition: int(), offset: int() };
const offsetsError = `expected 1 to ${MAX_COMMIT_OFFSETS} {topic, partition, offset}`;

/** 1 to 10,000 entries, each partition at most once. */
function offsetList<T extends { topic: string; partition: number }>(entry: z.ZodType<T>, unique: boolean) {
  return z
    .array(entry, { error: offsetsError })
    .min(1, { error: offsetsError })
    .max(MAX_COMMIT_OFFSETS, { error: offsetsError })
    .superRefine((list, ctx) => {
      if (!unique) return;
      const seen = new Set<string>();
      list.forEach((o, i) => {
        const key = `${o.topic}/${o.partition}`;
        if (seen.has(key)) ctx.addIssue({ code: "custom", path: [i], message: `${o.topic} partition ${o.partition} appears twice` });
        seen.add(key);
      });
    });
}

/** The committed offsets of a commit (the next offset to read per partition, as in Kafka). */
export const CommitOffsets = offsetList(
  strictFields({
    ...partitionOffset,
    metadata: z
      .string({ error: `expected a string of at most ${MAX_METADATA_LENGTH} characters` })
      .max(MAX_METADATA_LENGTH, { error: `expected a string of at most ${MAX_METADATA_LENGTH} characters` })
      .nullish()
      .transform((m) => m ?? null),
  }),
  true,
).openapi({ description: "The next offset to read per partition (as in Kafka)" });

export const CommitBody = strictBody({ member_epoch: int(), offsets: CommitOffsets })
  .transform((b): { memberEpoch: number; offsets: CommitOffset[] } => ({ memberEpoch: b.member_epoch, offsets: b.offsets }))
  .openapi("CommitRequest");

// ---- POST /v1/groups/{group}/offsets/reset ----

export type ResetBody =
  | { force: boolean; dryRun: boolean; offsets: Array<{ topic: string; partition: number; offset: number }> }
  | { force: boolean; dryRun: boolean; topics: string[]; to: OffsetReset };

/** Two forms: explicit `offsets`, or `topics` and `to` (every partition of each topic). */
export const ResetBody = strictBody({
  offsets: offsetList(strictFields(partitionOffset), false)
    .optional()
    .openapi({ description: "Explicit offsets (instead of topics and to)" }),
  topics: z
    .array(topicName, { error: "expected topic names (or offsets)" })
    .min(1, { error: "expected topic names (or offsets)" })
    .optional()
    .openapi({ description: "Reset every partition of these topics (with to)" }),
  to: OffsetResetIn.optional().openapi({ description: 'With topics: "earliest", "latest" or {"timestamp": T}' }),
  force: flag(false).openapi({ default: false, description: "Reset while members are active (they restart from the new offsets)" }),
  dry_run: flag(false).openapi({ default: false, description: "Answer the new offsets without storing them" }),
})
  .superRefine((b, ctx) => {
    if (b.offsets !== undefined) {
      if (b.topics !== undefined || b.to !== undefined)
        ctx.addIssue({ code: "custom", path: ["offsets"], message: "give either offsets, or topics and to" });
    } else if (b.topics === undefined) {
      ctx.addIssue({ code: "custom", path: ["topics"], message: "expected topic names (or offsets)" });
    } else if (b.to === undefined) {
      ctx.addIssue({ code: "custom", path: ["to"], message: 'required: "earliest", "latest" or {"timestamp": T}' });
    }
  })
  .transform(
    (b): ResetBody =>
      b.offsets !== undefined
        ? { force: b.force, dryRun: b.dry_run, offsets: b.offsets }
        : { force: b.force, dryRun: b.dry_run, topics: [...new Set(b.topics!)], to: b.to! },
  )
  .openapi("ResetOffsetsRequest", { description: "Either offsets, or topics and to" });
