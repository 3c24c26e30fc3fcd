// Schema failures answer the broker's own error body, with the codes and messages the
// hand-written checks gave. The reference app's objects throw when touched, so each 400 below
// was decided by a route's schema before anything else ran.
import { describe, expect, it } from "vitest";
import { referenceApp } from "./reference-app.ts";

const app = referenceApp();
const auth = { authorization: "Bearer reference" };

async function refused(path: string, init: RequestInit = {}) {
  const res = await app.request(path, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
  return { status: res.status, body: (await res.json()) as { error: Record<string, unknown> } };
}

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("validation through the route schemas", () => {
  it("path, query and header parameters: invalid_parameter naming the parameter", async () => {
    for (const [path, init, message, extra] of [
      ["/v1/topics/orders/partitions/abc/records", {}, 'partition: expected a non-negative integer, got "abc"'],
      ["/v1/topics/orders/partitions/0/records?offset=-1", {}, 'offset: expected a non-negative integer, got "-1"'],
      ["/v1/topics/orders/partitions/0/records?max_records=0", {}, "max_records: must be at least 1", { minimum: 1 }],
      ["/v1/topics/orders/partitions/0/records?wait_ms=1e3", {}, 'wait_ms: expected a non-negative integer, got "1e3"'],
      [
        "/v1/topics/orders/partitions/0/records?max_bytes=99999999999",
        {},
        "max_bytes: 99999999999 exceeds the maximum of 4194304",
        { limit: 4_194_304 },
      ],
      ["/v1/topics/orders/partitions/0/records?isolation=dirty", {}, 'isolation: expected read_committed or read_uncommitted, got "dirty"'],
      ["/v1/topics/orders/partitions/0/offsets", {}, "timestamp: required"],
      [
        "/v1/topics/orders/records",
        { method: "POST", headers: { "producer-id": "x" } },
        'producer-id: expected a non-negative integer, got "x"',
      ],
      ["/v1/keys/xyz", {}, 'key id: expected 16 hex digits, got "xyz"'],
      ["/v1/transactions/bad%20id", {}, 'transactional id: expected 1 to 249 of a-z A-Z 0-9 . _ -, got "bad id"'],
    ] as const) {
      const { status, body } = await refused(path, init);
      expect([path, status, body.error]).toEqual([path, 400, { code: "invalid_parameter", message, ...(extra ?? {}) }]);
    }
  });

  it("a core-checked parameter keeps the core's code", async () => {
    const { status, body } = await refused("/v1/groups/bad%20name");
    expect([status, body.error.code]).toEqual([400, "invalid_group_name"]);
  });

  it("bodies: the strict decoder first, then the schema, with the hand-written checks' codes", async () => {
    for (const [path, init, code, message] of [
      [
        "/v1/topics",
        json("POST", { name: "orders", partitons: 3 }),
        "bad_request",
        "partitons: unknown field (expected name, partitions, config)",
      ],
      [
        "/v1/topics",
        json("POST", { name: "a b" }),
        "invalid_topic_name",
        `name: "a b" may only contain ASCII letters, digits, '.', '_' and '-'`,
      ],
      [
        "/v1/topics",
        json("POST", { name: "orders", partitions: 0 }),
        "invalid_partitions",
        "partitions: expected an integer from 1 to 256, got 0",
      ],
      ["/v1/topics", json("POST", [1]), "bad_request", "the body must be an object"],
      ["/v1/topics/orders", json("PATCH", {}), "invalid_config", "config: expected an object of config names to values"],
      [
        "/v1/topics/orders",
        json("PATCH", { config: { "retention.ms": "x" } }),
        "invalid_config",
        'config.retention.ms: expected an integer >= -1 (-1 keeps forever), got "x"',
      ],
      ["/v1/keys", json("POST", { name: "", grants: [] }), "bad_request", "name: expected a non-empty string of at most 200 characters"],
      ["/v1/keys", json("POST", { name: "k", grants: [] }), "invalid_grant", "grants: expected a non-empty array of {operation, resource}"],
      ["/v1/producers", json("POST", { nam: "x" }), "bad_request", "nam: unknown field (expected name)"],
      [
        "/v1/topics/orders/partitions/0/delete-records",
        json("POST", { before_offset: -2 }),
        "invalid_parameter",
        "before_offset: expected an offset (an integer >= 0), or -1 for the high watermark",
      ],
      [
        "/v1/topics",
        { method: "POST", headers: { "content-type": "application/json" }, body: '{"name": "a", "partitions": 1e400}' },
        "non_finite_number",
        undefined,
      ],
    ] as const) {
      const { status, body } = await refused(path, init);
      expect([path, status, body.error.code]).toEqual([path, 400, code]);
      if (message) expect(body.error.message).toBe(message);
    }
  });
});
