// Access control: every route × {no key, wrong key, revoked key, key with the wrong scope, key with
// the right scope} with the exact status; API key lifecycle; quotas.
import { describe, expect, it } from "vitest";
import { call, createTopic, expectError, json } from "./api-support.ts";

type Grant = { operation: string; resource: string };

async function createKey(grants: Grant[], quotas?: Record<string, number>): Promise<{ id: string; secret: string }> {
  const res = await json("/v1/keys", "POST", {
    name: `k-${Math.random().toString(36).slice(2, 8)}`,
    grants,
    ...(quotas ? { quotas } : {}),
  });
  const body = (await res.json()) as any;
  expect(res.status, JSON.stringify(body)).toBe(201);
  expect(body.secret).toMatch(/^ebk_[0-9a-f]{16}_[A-Za-z0-9_-]{32}$/);
  return { id: body.id, secret: body.secret };
}

function as(token: string | null, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", token === null ? "" : `Bearer ${token}`);
  return call(path, { ...init, headers });
}

const jsonBody = (body: unknown): RequestInit => ({ body: JSON.stringify(body), headers: { "content-type": "application/json" } });

interface RouteCase {
  name: string;
  right: (topic: string) => Grant[];
  wrong: (topic: string) => Grant[];
  /** Builds the request; may create what the route needs (with the admin token). */
  request: (topic: string) => Promise<[string, RequestInit]>;
  ok: number;
}

const topicGrant = (operation: string) => (t: string) => [{ operation, resource: `topic:${t}` }];
const otherTopic = (operation: string) => () => [{ operation, resource: "topic:someone-else" }];

let groupCount = 0;
/** A fresh group named after the topic, with one member (joined by the admin) unless `empty`. */
async function groupWithMember(topic: string, empty = false): Promise<{ group: string; member: string; epoch: number }> {
  const group = `grp-${topic}-${groupCount++}`;
  const joined = (await (
    await json(`/v1/groups/${group}/members`, "POST", { topics: [topic], auto_offset_reset: "earliest" })
  ).json()) as any;
  if (empty) expect((await call(`/v1/groups/${group}/members/${joined.member_id}`, { method: "DELETE" })).status).toBe(204);
  return { group, member: joined.member_id, epoch: joined.member_epoch };
}

const groupAndTopic = (op: string) => (t: string) => [
  { operation: op, resource: `group:grp-${t}*` },
  { operation: "consume", resource: `topic:${t}` },
];

const ROUTES: RouteCase[] = [
  {
    name: "GET /v1/groups",
    right: () => [{ operation: "consume", resource: "group:*" }],
    wrong: () => [],
    ok: 200,
    request: async () => ["/v1/groups", {}],
  },
  {
    name: "POST /v1/groups/{group}/members",
    right: groupAndTopic("consume"),
    wrong: topicGrant("consume"),
    ok: 200,
    request: async (t) => [`/v1/groups/grp-${t}/members`, { method: "POST", ...jsonBody({ topics: [t] }) }],
  },
  {
    name: "POST /v1/groups/{group}/members/{member}/poll",
    right: groupAndTopic("consume"),
    wrong: topicGrant("consume"),
    ok: 200,
    request: async (t) => {
      const g = await groupWithMember(t);
      return [`/v1/groups/${g.group}/members/${g.member}/poll`, { method: "POST", ...jsonBody({ member_epoch: g.epoch, wait_ms: 0 }) }];
    },
  },
  {
    name: "POST /v1/groups/{group}/members/{member}/commit",
    right: groupAndTopic("consume"),
    wrong: topicGrant("consume"),
    ok: 200,
    request: async (t) => {
      const g = await groupWithMember(t);
      return [
        `/v1/groups/${g.group}/members/${g.member}/commit`,
        { method: "POST", ...jsonBody({ member_epoch: g.epoch, offsets: [{ topic: t, partition: 0, offset: 0 }] }) },
      ];
    },
  },
  {
    name: "DELETE /v1/groups/{group}/members/{member}",
    right: groupAndTopic("consume"),
    wrong: topicGrant("consume"),
    ok: 204,
    request: async (t) => {
      const g = await groupWithMember(t);
      return [`/v1/groups/${g.group}/members/${g.member}`, { method: "DELETE" }];
    },
  },
  // The member's SSE tail needs consume on the group and on every topic it is assigned, as a poll does.
  {
    name: "GET /v1/groups/{group}/members/{member}/events (SSE)",
    right: groupAndTopic("consume"),
    wrong: topicGrant("consume"),
    ok: 200,
    request: async (t) => {
      const g = await groupWithMember(t);
      return [`/v1/groups/${g.group}/members/${g.member}/events?member_epoch=${g.epoch}`, {}];
    },
  },
  {
    name: "GET /v1/groups/{group}/members/{member}/events (SSE), group grant only",
    right: groupAndTopic("consume"),
    wrong: (t) => [{ operation: "consume", resource: `group:grp-${t}*` }],
    ok: 200,
    request: async (t) => {
      const g = await groupWithMember(t);
      return [`/v1/groups/${g.group}/members/${g.member}/events?member_epoch=${g.epoch}`, {}];
    },
  },
  {
    name: "GET /v1/groups/{group}",
    right: groupAndTopic("consume"),
    wrong: topicGrant("consume"),
    ok: 200,
    request: async (t) => [`/v1/groups/${(await groupWithMember(t)).group}`, {}],
  },
  {
    name: "POST /v1/groups/{group}/offsets/reset",
    right: groupAndTopic("admin"),
    wrong: groupAndTopic("consume"),
    ok: 200,
    request: async (t) => [
      `/v1/groups/${(await groupWithMember(t, true)).group}/offsets/reset`,
      { method: "POST", ...jsonBody({ topics: [t], to: "earliest" }) },
    ],
  },
  {
    name: "DELETE /v1/groups/{group}",
    right: groupAndTopic("admin"),
    wrong: groupAndTopic("consume"),
    ok: 204,
    request: async (t) => [`/v1/groups/${(await groupWithMember(t, true)).group}`, { method: "DELETE" }],
  },
  {
    name: "GET /v1/topics/{topic}/partitions/{p}/offsets",
    right: topicGrant("consume"),
    wrong: topicGrant("produce"),
    ok: 200,
    request: async (t) => [`/v1/topics/${t}/partitions/0/offsets?timestamp=earliest`, {}],
  },
  {
    name: "POST /v1/topics/{topic}/partitions/{p}/delete-records",
    right: topicGrant("admin"),
    wrong: topicGrant("consume"),
    ok: 200,
    request: async (t) => [`/v1/topics/${t}/partitions/0/delete-records`, { method: "POST", ...jsonBody({ before_offset: 0 }) }],
  },
  {
    name: "GET /v1/topics/{topic}/partitions/{p}/events (SSE)",
    right: topicGrant("consume"),
    wrong: topicGrant("produce"),
    ok: 200,
    request: async (t) => [`/v1/topics/${t}/partitions/0/events?offset=earliest`, {}],
  },
  // Without an Upgrade header the authorized answer is 426; authorization comes first.
  {
    name: "GET /v1/topics/{topic}/partitions/{p}/ws",
    right: topicGrant("consume"),
    wrong: topicGrant("produce"),
    ok: 426,
    request: async (t) => [`/v1/topics/${t}/partitions/0/ws?offset=earliest`, {}],
  },
  { name: "GET /v1/topics", right: topicGrant("consume"), wrong: () => [], ok: 200, request: async () => ["/v1/topics", {}] },
  {
    name: "POST /v1/topics",
    right: (t) => [{ operation: "admin", resource: `topic:${t}-new*` }],
    wrong: topicGrant("produce"),
    ok: 201,
    request: async (t) => [
      "/v1/topics",
      { method: "POST", ...jsonBody({ name: `${t}-new${Math.random().toString(36).slice(2, 6)}`, partitions: 1 }) },
    ],
  },
  {
    name: "GET /v1/topics/{topic}",
    right: topicGrant("consume"),
    wrong: otherTopic("consume"),
    ok: 200,
    request: async (t) => [`/v1/topics/${t}`, {}],
  },
  {
    name: "PATCH /v1/topics/{topic}",
    right: topicGrant("admin"),
    wrong: topicGrant("produce"),
    ok: 200,
    request: async (t) => [`/v1/topics/${t}`, { method: "PATCH", ...jsonBody({ config: { "retention.ms": 1000 } }) }],
  },
  {
    name: "DELETE /v1/topics/{topic}",
    right: topicGrant("admin"),
    wrong: topicGrant("consume"),
    ok: 204,
    request: async (t) => [`/v1/topics/${t}`, { method: "DELETE" }],
  },
  {
    name: "POST /v1/topics/{topic}/records",
    right: topicGrant("produce"),
    wrong: topicGrant("consume"),
    ok: 200,
    request: async (t) => [`/v1/topics/${t}/records`, { method: "POST", ...jsonBody({ records: [{ value: 1 }] }) }],
  },
  {
    name: "GET /v1/topics/{topic}/partitions/{p}/records",
    right: topicGrant("consume"),
    wrong: topicGrant("produce"),
    ok: 200,
    request: async (t) => [`/v1/topics/${t}/partitions/0/records?offset=0&wait_ms=10`, {}],
  },
  {
    name: "POST /v1/producers",
    right: topicGrant("produce"),
    wrong: topicGrant("consume"),
    ok: 200,
    request: async () => ["/v1/producers", { method: "POST", ...jsonBody({}) }],
  },
  {
    name: "POST /v1/keys",
    right: () => [{ operation: "admin", resource: "*" }],
    wrong: () => [{ operation: "admin", resource: "topic:*" }],
    ok: 201,
    request: async () => [
      "/v1/keys",
      { method: "POST", ...jsonBody({ name: "x", grants: [{ operation: "consume", resource: "topic:a" }] }) },
    ],
  },
  {
    name: "GET /v1/keys",
    right: () => [{ operation: "admin", resource: "*" }],
    wrong: topicGrant("admin"),
    ok: 200,
    request: async () => ["/v1/keys", {}],
  },
  {
    name: "GET /v1/keys/{id}",
    right: () => [{ operation: "admin", resource: "*" }],
    wrong: topicGrant("admin"),
    ok: 200,
    request: async () => [`/v1/keys/${(await createKey([{ operation: "consume", resource: "topic:a" }])).id}`, {}],
  },
  {
    name: "POST /v1/keys/{id}/rotate",
    right: () => [{ operation: "admin", resource: "*" }],
    wrong: topicGrant("admin"),
    ok: 200,
    request: async () => [`/v1/keys/${(await createKey([{ operation: "consume", resource: "topic:a" }])).id}/rotate`, { method: "POST" }],
  },
  {
    name: "DELETE /v1/keys/{id}",
    right: () => [{ operation: "admin", resource: "*" }],
    wrong: topicGrant("admin"),
    ok: 204,
    request: async () => [`/v1/keys/${(await createKey([{ operation: "consume", resource: "topic:a" }])).id}`, { method: "DELETE" }],
  },
];

describe("access control matrix", () => {
  for (const route of ROUTES) {
    it(route.name, async () => {
      const topic = await createTopic();
      const right = await createKey(route.right(topic));
      const wrong = await createKey(route.wrong(topic).length ? route.wrong(topic) : [{ operation: "consume", resource: "group:nothing" }]);
      const revoked = await createKey(route.right(topic));
      expect((await call(`/v1/keys/${revoked.id}`, { method: "DELETE" })).status).toBe(204);

      const cases: Array<[string, string | null, number]> = [
        ["no key", null, 401],
        ["wrong key", "ebk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 401],
        ["garbage token", "not-a-key", 401],
        ["revoked key", revoked.secret, 401],
        ["wrong scope", wrong.secret, route.name === "GET /v1/topics" || route.name === "GET /v1/groups" ? 200 : 403],
        ["right scope", right.secret, route.ok],
      ];
      for (const [label, token, status] of cases) {
        const [path, init] = await route.request(topic);
        const res = await as(token, path, init);
        // An SSE stream that opened does not end by itself: read only the status.
        const text =
          res.status === 200 && res.headers.get("content-type")?.startsWith("text/event-stream")
            ? (await res.body?.cancel(), "")
            : await res.text();
        expect(res.status, `${route.name} with ${label}: ${text}`).toBe(status);
        if (status === 401) expect(JSON.parse(text).error.code).toBe("unauthorized");
        if (status === 403) expect(JSON.parse(text).error.code).toBe("forbidden");
      }
    });
  }
});

describe("API keys", () => {
  it("answers 403 alike for a topic that does not exist and one the key may not see", async () => {
    const visible = await createTopic();
    const hidden = await createTopic();
    const key = await createKey([{ operation: "consume", resource: `topic:${visible}` }]);
    const a = await as(key.secret, `/v1/topics/${hidden}/partitions/0/records`);
    const b = await as(key.secret, "/v1/topics/no-such-topic/partitions/0/records");
    expect([a.status, b.status]).toEqual([403, 403]);
    expect(((await a.json()) as any).error.code).toBe(((await b.json()) as any).error.code);
    const list = (await (await as(key.secret, "/v1/topics")).json()) as any;
    expect(list.topics.map((t: any) => t.name)).toEqual([visible]);
  });

  it("lets a device key produce to telemetry.* only", async () => {
    const name = `telemetry.${Date.now().toString(36)}`;
    expect((await json("/v1/topics", "POST", { name, partitions: 1 })).status).toBe(201);
    const device = await createKey([{ operation: "produce", resource: "topic:telemetry.*" }]);
    const ok = await as(device.secret, `/v1/topics/${name}/records`, { method: "POST", ...jsonBody({ records: [{ value: 21.5 }] }) });
    expect(ok.status).toBe(200);
    const orders = await createTopic();
    await expectError(
      await as(device.secret, `/v1/topics/${orders}/records`, { method: "POST", ...jsonBody({ records: [{ value: 1 }] }) }),
      403,
      "forbidden",
    );
    await expectError(await as(device.secret, `/v1/topics/${name}/partitions/0/records`), 403, "forbidden");
  });

  it("lists keys without secrets; rotates with and without a grace period", async () => {
    const key = await createKey([{ operation: "consume", resource: "topic:x" }]);
    const listing = JSON.stringify(await (await call("/v1/keys")).json());
    expect(listing).toContain(key.id);
    // The secret part may itself contain "_" (base64url), so cut after the "ebk_<id>_" prefix.
    expect(listing).not.toContain(key.secret.slice(`ebk_${key.id}_`.length));
    expect(listing).not.toMatch(/hash|salt|secret/);

    const graceful = (await (await json(`/v1/keys/${key.id}/rotate`, "POST", { grace_ms: 60_000 })).json()) as any;
    expect((await as(key.secret, "/v1/topics")).status).toBe(200);
    expect((await as(graceful.secret, "/v1/topics")).status).toBe(200);
    const hard = (await (await json(`/v1/keys/${key.id}/rotate`, "POST", { grace_ms: 0 })).json()) as any;
    expect((await as(graceful.secret, "/v1/topics")).status).toBe(401);
    expect((await as(key.secret, "/v1/topics")).status).toBe(401);
    expect((await as(hard.secret, "/v1/topics")).status).toBe(200);
    const shown = (await (await call(`/v1/keys/${key.id}`)).json()) as any;
    expect(shown.rotated_at).toBeGreaterThan(0);
  });

  it("validates grants and key ids", async () => {
    let err = await expectError(
      await json("/v1/keys", "POST", { name: "x", grants: [{ operation: "write", resource: "topic:a" }] }),
      400,
      "invalid_grant",
    );
    expect(err.message).toContain("grants[0].operation");
    err = await expectError(
      await json("/v1/keys", "POST", { name: "x", grants: [{ operation: "produce", resource: "topics:a" }] }),
      400,
      "invalid_grant",
    );
    expect(err.message).toContain("grants[0].resource");
    await expectError(await json("/v1/keys", "POST", { name: "x", grants: [] }), 400, "invalid_grant");
    await expectError(
      await json("/v1/keys", "POST", {
        name: "x",
        grants: [{ operation: "produce", resource: "topic:a" }],
        quotas: { requests_per_second: 0 },
      }),
      400,
      "bad_request",
    );
    await expectError(await call("/v1/keys/../../etc", { method: "DELETE" }), 404, "not_found");
    await expectError(await call("/v1/keys/zzzz", { method: "DELETE" }), 400, "invalid_parameter");
    await expectError(await call("/v1/keys/0123456789abcdef", { method: "DELETE" }), 404, "key_not_found");
  });
});

describe("quotas", () => {
  it("refuses requests over the key's request rate with 429 and Retry-After", async () => {
    const key = await createKey([{ operation: "consume", resource: "topic:*" }], { requests_per_second: 3 });
    const statuses = [];
    let limited: Response | undefined;
    for (let i = 0; i < 6; i++) {
      const res = await as(key.secret, "/v1/topics");
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else await res.text();
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
    expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await limited!.json()) as any).error.code).toBe("rate_limited");
  });

  it("throttles by produced bytes", async () => {
    const topic = await createTopic();
    const key = await createKey([{ operation: "produce", resource: `topic:${topic}` }], { bytes_per_second: 2_000 });
    const body = jsonBody({ records: [{ value: "x".repeat(1_500) }] });
    const first = await as(key.secret, `/v1/topics/${topic}/records`, { method: "POST", ...body });
    const second = await as(key.secret, `/v1/topics/${topic}/records`, { method: "POST", ...body });
    const third = await as(key.secret, `/v1/topics/${topic}/records`, { method: "POST", ...body });
    expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
  });
});
