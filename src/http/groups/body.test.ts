// The consumer-group body schemas are the routes' validators (readBody with invalid_parameter):
// each rule refuses with its code and a message naming the field, and a valid body maps to the
// core's request with Kafka's defaults. The last block sends bodies through the routes (JSON and
// MessagePack) to show the routes parse with these schemas.
import { encode } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { BrokerError } from "../../core/errors.ts";
import { DEFAULT_LIMITS } from "../../core/limits.ts";
import { parseBody } from "../openapi/route.ts";
import { referenceApp } from "../openapi/reference-app.ts";
import { CommitBody, JoinBody, pollBodySchema, ResetBody } from "./body.ts";

const pack = (v: unknown): BodyInit => new Uint8Array(encode(v));

const PollBody = pollBodySchema(DEFAULT_LIMITS);

/** The error a body is refused with, as the route answers it: {code, message, ...extra}. */
function refusal(schema: Parameters<typeof parseBody>[0], body: unknown, code: "invalid_parameter" | "bad_request") {
  try {
    parseBody(schema, body, code);
  } catch (err) {
    if (err instanceof BrokerError) return { code: err.code, message: err.message, ...err.extra };
    throw err;
  }
  return { accepted: body };
}

const invalid = (message: string) => ({ code: "invalid_parameter", message });
const badRequest = (message: string) => ({ code: "bad_request", message });
const JOIN_FIELDS = "topics, pattern, session_timeout_ms, auto_offset_reset, auto_commit, assignor, member_id";
const OFFSET_RESET = 'expected "earliest", "latest" or {"timestamp": <ms since the epoch>}';

describe("JoinBody", () => {
  it("maps a body to the join request, with Kafka's defaults", () => {
    expect(parseBody(JoinBody, { topics: ["b", "a", "b"] })).toEqual({
      memberId: undefined,
      subscription: { topics: ["a", "b"] },
      sessionTimeoutMs: 45_000,
      autoOffsetReset: "latest",
      autoCommit: true,
      assignor: undefined,
    });
    expect(
      parseBody(JoinBody, {
        pattern: "orders\\..*",
        session_timeout_ms: 30_000,
        auto_offset_reset: { timestamp: 1_764_547_200_000 },
        auto_commit: false,
        assignor: "range",
        member_id: "m-1",
      }),
    ).toEqual({
      memberId: "m-1",
      subscription: { pattern: "orders\\..*" },
      sessionTimeoutMs: 30_000,
      autoOffsetReset: { timestamp: 1_764_547_200_000 },
      autoCommit: false,
      assignor: "range",
    });
    // null means the default, as an absent field.
    expect(parseBody(JoinBody, { topics: ["a"], session_timeout_ms: null }).sessionTimeoutMs).toBe(45_000);
  });

  it.each([
    ["not an object", [1], badRequest("the body must be an object")],
    ["an unknown field", { topics: ["a"], auto_comit: true }, badRequest(`auto_comit: unknown field (expected ${JOIN_FIELDS})`)],
    ["neither topics nor pattern", {}, invalid("topics: required: the topics to consume (or a pattern)")],
    ["both topics and pattern", { topics: ["a"], pattern: "a" }, invalid("topics: give either topics or pattern, not both")],
    ["no topics", { topics: [] }, invalid("topics: expected 1 to 1000 topic names")],
    ["too many topics", { topics: Array.from({ length: 1001 }, (_, i) => `t${i}`) }, invalid("topics: expected 1 to 1000 topic names")],
    ["topics of the wrong type", { topics: "orders" }, invalid("topics: expected 1 to 1000 topic names")],
    ["an empty topic name", { topics: ["a", ""] }, invalid("topics[1]: expected a topic name")],
    ["an empty pattern", { pattern: "" }, invalid("pattern: expected a regular expression of 1 to 256 characters")],
    ["a pattern too long", { pattern: "a".repeat(257) }, invalid("pattern: expected a regular expression of 1 to 256 characters")],
    ["a session timeout too short", { topics: ["a"], session_timeout_ms: 10 }, invalid("session_timeout_ms: must be at least 500, got 10")],
    [
      "a session timeout too long",
      { topics: ["a"], session_timeout_ms: 1_800_001 },
      invalid("session_timeout_ms: 1800001 exceeds the maximum of 1800000"),
    ],
    [
      "a fractional session timeout",
      { topics: ["a"], session_timeout_ms: 1.5 },
      invalid("session_timeout_ms: expected an integer, got 1.5"),
    ],
    [
      "a textual session timeout",
      { topics: ["a"], session_timeout_ms: "500" },
      invalid('session_timeout_ms: expected an integer, got "500"'),
    ],
    [
      "an unknown offset reset",
      { topics: ["a"], auto_offset_reset: "newest" },
      invalid(`auto_offset_reset: ${OFFSET_RESET}, got "newest"`),
    ],
    [
      "a negative reset timestamp",
      { topics: ["a"], auto_offset_reset: { timestamp: -1 } },
      invalid("auto_offset_reset.timestamp: must be at least 0, got -1"),
    ],
    [
      "an unknown field of the reset",
      { topics: ["a"], auto_offset_reset: { timestamp: 1, x: 1 } },
      badRequest("auto_offset_reset.x: unknown field (expected timestamp)"),
    ],
    ["a non-boolean auto_commit", { topics: ["a"], auto_commit: "yes" }, invalid("auto_commit: expected true or false")],
    ["an unknown assignor", { topics: ["a"], assignor: "sticky" }, invalid('assignor: expected "uniform" or "range", got "sticky"')],
    ["a non-string member id", { topics: ["a"], member_id: 5 }, invalid("member_id: expected a string")],
    [
      "a malformed member id",
      { topics: ["a"], member_id: "not ok!" },
      { code: "invalid_member_id", message: 'member id "not ok!" is malformed: expected 1 to 64 characters of A-Z a-z 0-9 _ -' },
    ],
  ])("refuses %s", (_what, body, answer) => {
    expect(refusal(JoinBody, body, "invalid_parameter")).toEqual(answer);
  });

  it("refuses a pattern that is not a regular expression, naming it", () => {
    const r = refusal(JoinBody, { pattern: "([" }, "invalid_parameter");
    expect(r).toMatchObject({ code: "invalid_parameter" });
    expect((r as { message: string }).message).toMatch(/^pattern: not a valid regular expression: /);
  });
});

describe("PollBody", () => {
  it("maps a body to the poll request, with the defaults", () => {
    expect(parseBody(PollBody, { member_epoch: 0 })).toEqual({ memberEpoch: 0, maxRecords: 500, maxBytes: 1_048_576, waitMs: 0 });
    expect(parseBody(PollBody, { member_epoch: 3, max_records: 100, max_bytes: 1, wait_ms: null, isolation: "read_committed" })).toEqual({
      memberEpoch: 3,
      maxRecords: 100,
      maxBytes: 1,
      waitMs: 0,
      isolation: "read_committed",
    });
    expect(parseBody(PollBody, { member_epoch: 3, isolation: "read_uncommitted" })).not.toHaveProperty("isolation");
  });

  const { maxFetchRecords, maxFetchBytes, maxWaitMs } = DEFAULT_LIMITS;
  it.each([
    ["no member epoch", {}, invalid("member_epoch: required")],
    ["a null member epoch", { member_epoch: null }, invalid("member_epoch: required")],
    ["a negative member epoch", { member_epoch: -1 }, invalid("member_epoch: must be at least 0, got -1")],
    ["an unsafe integer", { member_epoch: 2 ** 60 }, invalid(`member_epoch: expected an integer, got ${2 ** 60}`)],
    ["max_records 0", { member_epoch: 1, max_records: 0 }, invalid("max_records: must be at least 1, got 0")],
    [
      "max_records above the limit",
      { member_epoch: 1, max_records: maxFetchRecords + 1 },
      invalid(`max_records: ${maxFetchRecords + 1} exceeds the maximum of ${maxFetchRecords}`),
    ],
    [
      "max_bytes above the limit",
      { member_epoch: 1, max_bytes: maxFetchBytes + 1 },
      invalid(`max_bytes: ${maxFetchBytes + 1} exceeds the maximum of ${maxFetchBytes}`),
    ],
    [
      "wait_ms above the limit",
      { member_epoch: 1, wait_ms: maxWaitMs + 1 },
      invalid(`wait_ms: ${maxWaitMs + 1} exceeds the maximum of ${maxWaitMs}`),
    ],
    [
      "an unknown isolation",
      { member_epoch: 1, isolation: "serializable" },
      invalid('isolation: expected "read_committed" or "read_uncommitted", got "serializable"'),
    ],
    [
      "an unknown field",
      { member_epoch: 1, extra: 1 },
      badRequest("extra: unknown field (expected member_epoch, max_records, max_bytes, wait_ms, isolation)"),
    ],
  ])("refuses %s", (_what, body, answer) => {
    expect(refusal(PollBody, body, "invalid_parameter")).toEqual(answer);
  });
});

const OFFSETS = "offsets: expected 1 to 10000 {topic, partition, offset}";
const at = (partition: number, offset = 1) => ({ topic: "orders", partition, offset });

describe("CommitBody", () => {
  it("maps a body to the commit, metadata null when absent", () => {
    expect(parseBody(CommitBody, { member_epoch: 3, offsets: [at(2, 42), { ...at(1, 0), metadata: "m" }] })).toEqual({
      memberEpoch: 3,
      offsets: [
        { ...at(2, 42), metadata: null },
        { ...at(1, 0), metadata: "m" },
      ],
    });
  });

  it.each([
    ["no member epoch", { offsets: [at(0)] }, invalid("member_epoch: required")],
    ["no offsets", { member_epoch: 3 }, invalid(OFFSETS)],
    ["an empty offsets list", { member_epoch: 3, offsets: [] }, invalid(OFFSETS)],
    ["too many offsets", { member_epoch: 3, offsets: Array.from({ length: 10_001 }, (_, i) => at(i)) }, invalid(OFFSETS)],
    ["an entry that is not an object", { member_epoch: 3, offsets: [5] }, badRequest("offsets[0]: expected an object")],
    ["an empty topic", { member_epoch: 3, offsets: [{ ...at(0), topic: "" }] }, invalid("offsets[0].topic: expected a topic name")],
    [
      "a negative partition",
      { member_epoch: 3, offsets: [at(0), at(1), at(-1)] },
      invalid("offsets[2].partition: must be at least 0, got -1"),
    ],
    ["a negative offset", { member_epoch: 3, offsets: [at(0, -1)] }, invalid("offsets[0].offset: must be at least 0, got -1")],
    [
      "metadata of the wrong type",
      { member_epoch: 3, offsets: [{ ...at(0), metadata: 5 }] },
      invalid("offsets[0].metadata: expected a string of at most 4096 characters"),
    ],
    [
      "metadata too long",
      { member_epoch: 3, offsets: [{ ...at(0), metadata: "x".repeat(4097) }] },
      invalid("offsets[0].metadata: expected a string of at most 4096 characters"),
    ],
    [
      "an unknown field of an entry",
      { member_epoch: 3, offsets: [{ ...at(0), extra: 1 }] },
      badRequest("offsets[0].extra: unknown field (expected topic, partition, offset, metadata)"),
    ],
    [
      "a partition twice",
      { member_epoch: 3, offsets: [at(0, 1), at(1), at(0, 2)] },
      invalid("offsets[2]: orders partition 0 appears twice"),
    ],
  ])("refuses %s", (_what, body, answer) => {
    expect(refusal(CommitBody, body, "invalid_parameter")).toEqual(answer);
  });
});

describe("ResetBody", () => {
  it("maps both forms", () => {
    expect(parseBody(ResetBody, { topics: ["orders", "orders"], to: "earliest", dry_run: true })).toEqual({
      force: false,
      dryRun: true,
      topics: ["orders"],
      to: "earliest",
    });
    expect(parseBody(ResetBody, { topics: ["orders"], to: { timestamp: 0 }, force: true })).toMatchObject({
      force: true,
      to: { timestamp: 0 },
    });
    expect(parseBody(ResetBody, { offsets: [at(0, 5)] })).toEqual({ force: false, dryRun: false, offsets: [at(0, 5)] });
  });

  it.each([
    ["neither form", {}, invalid("topics: expected topic names (or offsets)")],
    ["topics without to", { topics: ["orders"] }, invalid('to: required: "earliest", "latest" or {"timestamp": T}')],
    ["an empty topics list", { topics: [], to: "latest" }, invalid("topics: expected topic names (or offsets)")],
    ["an unknown target", { topics: ["orders"], to: "middle" }, invalid(`to: ${OFFSET_RESET}, got "middle"`)],
    ["an empty offsets list", { offsets: [] }, invalid(OFFSETS)],
    ["both forms", { offsets: [at(0)], topics: ["orders"] }, invalid("offsets: give either offsets, or topics and to")],
    ["offsets with to", { offsets: [at(0)], to: "latest" }, invalid("offsets: give either offsets, or topics and to")],
    ["a negative offset", { offsets: [at(0, -5)] }, invalid("offsets[0].offset: must be at least 0, got -5")],
    ["a non-boolean force", { topics: ["orders"], to: "latest", force: "yes" }, invalid("force: expected true or false")],
    ["a non-boolean dry_run", { topics: ["orders"], to: "latest", dry_run: 1 }, invalid("dry_run: expected true or false")],
    [
      "an unknown field",
      { topics: ["orders"], to: "latest", extra: 1 },
      badRequest("extra: unknown field (expected offsets, topics, to, force, dry_run)"),
    ],
  ])("refuses %s", (_what, body, answer) => {
    expect(refusal(ResetBody, body, "invalid_parameter")).toEqual(answer);
  });
});

describe("the group routes parse with these schemas", () => {
  const app = referenceApp();
  const send = async (path: string, body: BodyInit, type: string) => {
    const res = await app.request(path, { method: "POST", headers: { authorization: "Bearer reference", "content-type": type }, body });
    return { status: res.status, error: ((await res.json()) as { error: Record<string, unknown> }).error };
  };

  it.each([
    ["/v1/groups/g/members", { topics: ["a"], session_timeout_ms: 10 }, invalid("session_timeout_ms: must be at least 500, got 10")],
    ["/v1/groups/g/members", { topics: ["a"], auto_comit: true }, badRequest(`auto_comit: unknown field (expected ${JOIN_FIELDS})`)],
    ["/v1/groups/g/members/m/poll", { member_epoch: 1, max_records: 0 }, invalid("max_records: must be at least 1, got 0")],
    [
      "/v1/groups/g/members/m/commit",
      { member_epoch: 1, offsets: [at(0), at(0)] },
      invalid("offsets[1]: orders partition 0 appears twice"),
    ],
    ["/v1/groups/g/offsets/reset", { topics: ["orders"] }, invalid('to: required: "earliest", "latest" or {"timestamp": T}')],
  ])("%s %j", async (path, body, answer) => {
    expect(await send(path, JSON.stringify(body), "application/json")).toEqual({ status: 400, error: answer });
    expect(await send(path, pack(body), "application/msgpack")).toEqual({ status: 400, error: answer });
  });
});
