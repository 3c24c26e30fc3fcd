// The produce body is checked by the hand-written parser (produce-body.ts: per record, on the
// hot path); the document's ProduceRequest schema must describe the same rules. Both judge the
// same bodies: listed edge cases, and generated records mixing valid and invalid fields.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../core/limits.ts";
import { parseProduceBody } from "./produce-body.ts";
import { produceBodySchema, produceExample } from "./schemas.ts";

const schema = produceBodySchema(DEFAULT_LIMITS);

function parserAccepts(body: unknown): boolean {
  try {
    parseProduceBody(body, false, DEFAULT_LIMITS, 1_764_547_200_000);
    return true;
  } catch {
    return false;
  }
}

const agree = (body: unknown) =>
  expect([JSON.stringify(body), schema.safeParse(body).success]).toEqual([JSON.stringify(body), parserAccepts(body)]);

describe("produce body: ProduceRequest schema and produce-body.ts agree", () => {
  it("on the document's example and listed valid bodies", () => {
    for (const body of [
      produceExample,
      { records: [{ value: null }] },
      { records: [{ key: null, value: 1, partition: 0, timestamp: 0 }] },
      { records: [{ key: "k", value: { nested: [1, 2, { a: "b" }] }, headers: { h: "v", "": "" } }] },
      { records: [{ value_b64: "" }] },
      { records: [{ key_b64: "AAEC", value: "text" }] },
    ]) {
      expect(parserAccepts(body)).toBe(true);
      agree(body);
    }
  });

  it("on listed invalid bodies", () => {
    for (const body of [
      null,
      [],
      "records",
      {},
      { records: [] },
      { records: "x" },
      { records: [{}] },
      { records: [null] },
      { records: [[]] },
      { records: [{ value: 1 }], extra: true },
      { records: [{ value: 1, value_b64: "AA==" }] },
      { records: [{ key: "a", key_b64: "YQ==", value: 1 }] },
      { records: [{ value: 1, extra: 1 }] },
      { records: [{ value: 1, partition: -1 }] },
      { records: [{ value: 1, partition: 1.5 }] },
      { records: [{ value: 1, timestamp: "now" }] },
      { records: [{ value: 1, timestamp: 2 ** 53 }] },
      { records: [{ value_b64: "not base64!" }] },
      { records: [{ value_b64: "AAA" }] },
      { records: [{ value: 1, key: 5 }] },
      { records: [{ value: 1, headers: { a: 1 } }] },
      { records: [{ value: 1, headers: [] }] },
      { records: [{ value: 1, headers: "h" }] },
      { records: Array.from({ length: DEFAULT_LIMITS.maxRecordsPerRequest + 1 }, () => ({ value: 1 })) },
    ]) {
      expect(parserAccepts(body), JSON.stringify(body)).toBe(false);
      agree(body);
    }
  });

  it("on generated records", () => {
    const field = <T>(...values: T[]) => fc.option(fc.constantFrom(...values), { nil: undefined });
    const record = fc
      .record({
        key: field<unknown>("k", null, "", 7, true),
        key_b64: field<unknown>("YQ==", "", "%%", 1),
        value: field<unknown>(null, 0, "v", { a: 1 }, [1], false),
        value_b64: field<unknown>("AAEC", "", "A", null),
        headers: field<unknown>({}, { h: "v" }, { h: 1 }, [], "x", null),
        timestamp: field<unknown>(0, 1_764_547_200_000, -1, 1.5, "1", null),
        partition: field<unknown>(0, 3, -1, 0.5, "0", null),
      })
      .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));
    fc.assert(
      fc.property(fc.array(record, { minLength: 0, maxLength: 3 }), (records) => {
        const body = { records };
        expect(schema.safeParse(body).success, JSON.stringify(body)).toBe(parserAccepts(body));
      }),
      { numRuns: 500 },
    );
  });
});
