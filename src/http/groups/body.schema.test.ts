// The consumer-group bodies are checked by body.ts's field-by-field parsers; the document's
// schemas (schemas.ts) must state the same rules. Both judge the same bodies.
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../core/limits.ts";
import { commitBody, joinBody, pollBody, resetBody } from "./body.ts";
import { CommitBody, JoinBody, pollBodySchema, ResetBody } from "./schemas.ts";

function accepts(parse: (b: unknown) => unknown, body: unknown): boolean {
  try {
    parse(body);
    return true;
  } catch {
    return false;
  }
}

const cases: Array<{
  name: string;
  parse: (b: unknown) => unknown;
  schema: { safeParse(b: unknown): { success: boolean } };
  valid: unknown[];
  invalid: unknown[];
}> = [
  {
    name: "join",
    parse: joinBody,
    schema: JoinBody,
    valid: [
      { topics: ["orders"] },
      { topics: ["orders", "orders"], session_timeout_ms: 30_000, auto_offset_reset: "earliest", auto_commit: false, assignor: "range" },
      { pattern: "orders\\..*", auto_offset_reset: { timestamp: 1_764_547_200_000 }, member_id: "m-1" },
      { topics: ["a"], session_timeout_ms: null },
    ],
    invalid: [
      null,
      {},
      { topics: [] },
      { topics: [""] },
      { topics: "orders" },
      { topics: ["a"], pattern: "a" },
      { pattern: "" },
      { topics: ["a"], session_timeout_ms: 10 },
      { topics: ["a"], session_timeout_ms: 1.5 },
      { topics: ["a"], auto_offset_reset: "none" },
      { topics: ["a"], auto_offset_reset: { timestamp: -1 } },
      { topics: ["a"], auto_offset_reset: { timestamp: 1, x: 1 } },
      { topics: ["a"], auto_commit: "yes" },
      { topics: ["a"], assignor: "sticky" },
      { topics: ["a"], member_id: "bad id!" },
      { topics: ["a"], member_id: 5 },
      { topics: ["a"], auto_comit: true },
    ],
  },
  {
    name: "poll",
    parse: (b) => pollBody(b, DEFAULT_LIMITS),
    schema: pollBodySchema(DEFAULT_LIMITS),
    valid: [
      { member_epoch: 0 },
      { member_epoch: 3, max_records: 100, max_bytes: 1, wait_ms: 5_000, isolation: "read_committed" },
      { member_epoch: 1, wait_ms: null },
    ],
    invalid: [
      {},
      { member_epoch: -1 },
      { member_epoch: null },
      { member_epoch: 1, max_records: 0 },
      { member_epoch: 1, max_records: DEFAULT_LIMITS.maxFetchRecords + 1 },
      { member_epoch: 1, wait_ms: DEFAULT_LIMITS.maxWaitMs + 1 },
      { member_epoch: 1, isolation: "serializable" },
      { member_epoch: 1, extra: 1 },
    ],
  },
  {
    name: "commit",
    parse: commitBody,
    schema: CommitBody,
    valid: [
      { member_epoch: 3, offsets: [{ topic: "orders", partition: 2, offset: 42 }] },
      {
        member_epoch: 3,
        offsets: [
          { topic: "orders", partition: 2, offset: 42, metadata: null },
          { topic: "orders", partition: 1, offset: 0, metadata: "m" },
        ],
      },
    ],
    invalid: [
      { member_epoch: 3 },
      { member_epoch: 3, offsets: [] },
      { offsets: [{ topic: "orders", partition: 2, offset: 42 }] },
      { member_epoch: 3, offsets: [{ topic: "", partition: 2, offset: 42 }] },
      { member_epoch: 3, offsets: [{ topic: "o", partition: -1, offset: 42 }] },
      { member_epoch: 3, offsets: [{ topic: "o", partition: 0, offset: 1, extra: 1 }] },
      { member_epoch: 3, offsets: [{ topic: "o", partition: 0, offset: 1, metadata: "x".repeat(4097) }] },
      {
        member_epoch: 3,
        offsets: [
          { topic: "o", partition: 0, offset: 1 },
          { topic: "o", partition: 0, offset: 2 },
        ],
      },
    ],
  },
  {
    name: "reset",
    parse: resetBody,
    schema: ResetBody,
    valid: [
      { topics: ["orders"], to: "earliest", dry_run: true },
      { topics: ["orders"], to: { timestamp: 0 }, force: true },
      { offsets: [{ topic: "orders", partition: 0, offset: 5 }] },
    ],
    invalid: [
      {},
      { topics: ["orders"] },
      { topics: [], to: "latest" },
      { topics: ["orders"], to: "middle" },
      { offsets: [] },
      { offsets: [{ topic: "o", partition: 0, offset: 1 }], topics: ["o"] },
      { topics: ["o"], to: "latest", force: "yes" },
      { topics: ["o"], to: "latest", extra: 1 },
    ],
  },
];

describe("group bodies: the document's schemas and body.ts agree", () => {
  for (const c of cases) {
    it(`${c.name}: valid bodies pass both, invalid ones neither`, () => {
      for (const body of c.valid)
        expect([JSON.stringify(body), accepts(c.parse, body), c.schema.safeParse(body).success]).toEqual([
          JSON.stringify(body),
          true,
          true,
        ]);
      for (const body of c.invalid)
        expect([JSON.stringify(body), accepts(c.parse, body), c.schema.safeParse(body).success]).toEqual([
          JSON.stringify(body),
          false,
          false,
        ]);
    });
  }
});
