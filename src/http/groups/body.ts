// Request bodies of the consumer-group routes, validated field by field: each mistake is a 400
// naming the field, and unknown fields are refused (a typo such as "auto_comit" must not silently
// fall back to a default).
import { BrokerError } from "../../core/errors.ts";
import { asObject } from "../content.ts";
import type { Limits } from "../../core/limits.ts";
import type { AssignorName, CommitOffset, OffsetReset, Subscription } from "../../core/groups/types.ts";
import { groupNameProblem, isMemberId } from "../../core/groups/types.ts";

export const DEFAULT_SESSION_TIMEOUT_MS = 45_000; // Kafka's session.timeout.ms default
export const MIN_SESSION_TIMEOUT_MS = 500;
export const MAX_SESSION_TIMEOUT_MS = 1_800_000; // Kafka's group.max.session.timeout.ms
const MAX_PATTERN_LENGTH = 256;
const MAX_SUBSCRIBED_TOPICS = 1_000;
const MAX_METADATA_LENGTH = 4_096; // Kafka's offset.metadata.max.bytes
const MAX_COMMIT_OFFSETS = 10_000;

function bad(field: string, message: string): never {
  throw new BrokerError("invalid_parameter", `${field}: ${message}`);
}

export function integer(field: string, value: unknown, opts: { default?: number; min?: number; max?: number } = {}): number {
  if (value === undefined || value === null) {
    if (opts.default !== undefined) return opts.default;
    bad(field, "required");
  }
  if (typeof value !== "number" || !Number.isSafeInteger(value)) bad(field, `expected an integer, got ${JSON.stringify(value)}`);
  const min = opts.min ?? 0;
  if (value < min) bad(field, `must be at least ${min}, got ${value}`);
  if (opts.max !== undefined && value > opts.max) bad(field, `${value} exceeds the maximum of ${opts.max}`);
  return value;
}

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

export function offsetReset(field: string, value: unknown): OffsetReset {
  if (value === undefined) return "latest"; // Kafka's default
  if (value === "earliest" || value === "latest") return value;
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const o = asObject(value, ["timestamp"]);
    return { timestamp: integer(`${field}.timestamp`, o.timestamp) };
  }
  return bad(field, `expected "earliest", "latest" or {"timestamp": <ms since the epoch>}, got ${JSON.stringify(value)}`);
}

export interface JoinBody {
  memberId?: string;
  subscription: Subscription;
  sessionTimeoutMs: number;
  autoOffsetReset: OffsetReset;
  autoCommit: boolean;
  assignor?: AssignorName;
}

export function joinBody(body: unknown): JoinBody {
  const b = asObject(body, ["topics", "pattern", "session_timeout_ms", "auto_offset_reset", "auto_commit", "assignor", "member_id"]);
  const subscription: Subscription = {};
  if (b.topics !== undefined && b.pattern !== undefined) bad("topics", "give either topics or pattern, not both");
  if (b.topics !== undefined) {
    if (
      !Array.isArray(b.topics) ||
      b.topics.length === 0 ||
      b.topics.length > MAX_SUBSCRIBED_TOPICS ||
      !b.topics.every((t) => typeof t === "string" && t.length > 0)
    ) {
      bad("topics", `expected 1 to ${MAX_SUBSCRIBED_TOPICS} topic names`);
    }
    subscription.topics = [...new Set(b.topics as string[])].sort();
  } else if (b.pattern !== undefined) {
    if (typeof b.pattern !== "string" || b.pattern.length === 0 || b.pattern.length > MAX_PATTERN_LENGTH)
      bad("pattern", `expected a regular expression of 1 to ${MAX_PATTERN_LENGTH} characters`);
    try {
      new RegExp(b.pattern as string);
    } catch (err) {
      bad("pattern", `not a valid regular expression: ${(err as Error).message}`);
    }
    subscription.pattern = b.pattern as string;
  } else {
    bad("topics", "required: the topics to consume (or a pattern)");
  }
  if (b.auto_commit !== undefined && typeof b.auto_commit !== "boolean") bad("auto_commit", "expected true or false");
  if (b.assignor !== undefined && b.assignor !== "uniform" && b.assignor !== "range")
    bad("assignor", `expected "uniform" or "range", got ${JSON.stringify(b.assignor)}`);
  if (b.member_id !== undefined && typeof b.member_id !== "string") bad("member_id", "expected a string");
  return {
    memberId: b.member_id === undefined ? undefined : memberIdParam(b.member_id as string),
    subscription,
    sessionTimeoutMs: integer("session_timeout_ms", b.session_timeout_ms, {
      default: DEFAULT_SESSION_TIMEOUT_MS,
      min: MIN_SESSION_TIMEOUT_MS,
      max: MAX_SESSION_TIMEOUT_MS,
    }),
    autoOffsetReset: offsetReset("auto_offset_reset", b.auto_offset_reset),
    autoCommit: (b.auto_commit as boolean | undefined) ?? true,
    assignor: b.assignor as AssignorName | undefined,
  };
}

export interface PollBody {
  memberEpoch: number;
  maxRecords: number;
  maxBytes: number;
  waitMs: number;
}

export function pollBody(body: unknown, limits: Limits): PollBody {
  const b = asObject(body, ["member_epoch", "max_records", "max_bytes", "wait_ms"]);
  return {
    memberEpoch: integer("member_epoch", b.member_epoch),
    maxRecords: integer("max_records", b.max_records, { default: 500, min: 1, max: limits.maxFetchRecords }),
    maxBytes: integer("max_bytes", b.max_bytes, { default: 1_048_576, min: 1, max: limits.maxFetchBytes }),
    waitMs: integer("wait_ms", b.wait_ms, { default: 0, max: limits.maxWaitMs }),
  };
}

function partitionOffset(
  field: string,
  value: unknown,
  extra: string[],
): { topic: string; partition: number; offset: number; o: Record<string, unknown> } {
  const o = asObject(value, ["topic", "partition", "offset", ...extra]);
  if (typeof o.topic !== "string" || o.topic.length === 0) bad(`${field}.topic`, "expected a topic name");
  return {
    topic: o.topic as string,
    partition: integer(`${field}.partition`, o.partition),
    offset: integer(`${field}.offset`, o.offset),
    o,
  };
}

export function commitBody(body: unknown): { memberEpoch: number; offsets: CommitOffset[] } {
  const b = asObject(body, ["member_epoch", "offsets"]);
  const memberEpoch = integer("member_epoch", b.member_epoch);
  if (!Array.isArray(b.offsets) || b.offsets.length === 0 || b.offsets.length > MAX_COMMIT_OFFSETS)
    bad("offsets", `expected 1 to ${MAX_COMMIT_OFFSETS} {topic, partition, offset}`);
  const seen = new Set<string>();
  const offsets = (b.offsets as unknown[]).map((value, i) => {
    const { topic, partition, offset, o } = partitionOffset(`offsets[${i}]`, value, ["metadata"]);
    if (o.metadata !== undefined && o.metadata !== null && (typeof o.metadata !== "string" || o.metadata.length > MAX_METADATA_LENGTH)) {
      bad(`offsets[${i}].metadata`, `expected a string of at most ${MAX_METADATA_LENGTH} characters`);
    }
    if (seen.has(`${topic}/${partition}`)) bad(`offsets[${i}]`, `${topic} partition ${partition} appears twice`);
    seen.add(`${topic}/${partition}`);
    return { topic, partition, offset, metadata: (o.metadata as string | null | undefined) ?? null };
  });
  return { memberEpoch, offsets };
}

export type ResetBody =
  | { force: boolean; dryRun: boolean; offsets: Array<{ topic: string; partition: number; offset: number }> }
  | { force: boolean; dryRun: boolean; topics: string[]; to: OffsetReset };

function flag(b: Record<string, unknown>, field: string): boolean {
  if (b[field] !== undefined && typeof b[field] !== "boolean") bad(field, "expected true or false");
  return (b[field] as boolean | undefined) ?? false;
}

export function resetBody(body: unknown): ResetBody {
  const b = asObject(body, ["offsets", "topics", "to", "force", "dry_run"]);
  const force = flag(b, "force");
  const dryRun = flag(b, "dry_run");
  if (b.offsets !== undefined) {
    if (b.topics !== undefined || b.to !== undefined) bad("offsets", "give either offsets, or topics and to");
    if (!Array.isArray(b.offsets) || b.offsets.length === 0 || b.offsets.length > MAX_COMMIT_OFFSETS)
      bad("offsets", `expected 1 to ${MAX_COMMIT_OFFSETS} {topic, partition, offset}`);
    return {
      force,
      dryRun,
      offsets: (b.offsets as unknown[])
        .map((v, i) => partitionOffset(`offsets[${i}]`, v, []))
        .map(({ topic, partition, offset }) => ({ topic, partition, offset })),
    };
  }
  if (!Array.isArray(b.topics) || b.topics.length === 0 || !b.topics.every((t) => typeof t === "string" && t.length > 0))
    bad("topics", "expected topic names (or offsets)");
  if (b.to === undefined) bad("to", `required: "earliest", "latest" or {"timestamp": T}`);
  return { force, dryRun, topics: [...new Set(b.topics as string[])], to: offsetReset("to", b.to) };
}
