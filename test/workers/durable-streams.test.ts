// Durable Streams (/ds) in workerd: authentication and grants on the mapped topic, anonymous
// grants, the path → topic mapping, and bad input answered with 4xx JSON errors. The protocol
// itself is covered by the official conformance suite (test/conformance).
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectError, json } from "./api-support.ts";

const worker = (exports as unknown as { default: { fetch(req: Request): Promise<Response> } }).default;
let counter = 0;
const unique = (prefix: string) => `${prefix}/s${Date.now().toString(36)}-${counter++}`;

/** A request with exactly these headers: no Authorization unless given. */
function raw(path: string, init: RequestInit = {}): Promise<Response> {
  return worker.fetch(new Request(`http://broker${path}`, init));
}

async function createStream(path: string, body?: string, contentType = "text/plain"): Promise<Response> {
  const res = await call(`/ds/${path}`, { method: "PUT", headers: { "content-type": contentType }, body });
  expect(res.status).toBe(201);
  return res;
}

async function createKey(grants: Array<{ operation: string; resource: string }>): Promise<string> {
  const res = await json("/v1/keys", "POST", { name: `ds-${counter++}`, grants });
  expect(res.status).toBe(201);
  return ((await res.json()) as { secret: string }).secret;
}

describe("/ds authentication", () => {
  it("serves the admin token: create, append, read", async () => {
    const path = unique("auth");
    const created = await createStream(path, "hello ");
    expect(created.headers.get("stream-next-offset")).toBe("0000000000000000_0000000000000001");
    const appended = await call(`/ds/${path}`, { method: "POST", headers: { "content-type": "text/plain" }, body: "world" });
    expect(appended.status).toBe(204);
    const read = await call(`/ds/${path}?offset=-1`);
    expect(await read.text()).toBe("hello world");
    expect(read.headers.get("stream-up-to-date")).toBe("true");
  });

  it("refuses bad credentials with 401 and anonymous requests outside the anonymous grants with 403", async () => {
    const path = unique("private");
    await createStream(path, "secret");
    await expectError(await raw(`/ds/${path}`, { headers: { authorization: "Bearer wrong" } }), 401, "unauthorized");
    await expectError(await raw(`/ds/${path}?offset=-1`), 403, "forbidden");
    await expectError(
      await raw(`/ds/${unique("private")}`, { method: "PUT", headers: { "content-type": "text/plain" } }),
      403,
      "forbidden",
    );
  });

  it("lets anonymous requests do what EDGEBROKER_ANONYMOUS_GRANTS allows and nothing more", async () => {
    const path = unique("public");
    await createStream(path, "news");
    const read = await raw(`/ds/${path}?offset=-1`);
    expect(read.status).toBe(200);
    expect(await read.text()).toBe("news");
    expect((await raw(`/ds/${path}`, { method: "HEAD" })).status).toBe(200);
    await expectError(await raw(`/ds/${path}`, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" }), 403, "forbidden");
    await expectError(await raw(`/ds/${path}`, { method: "DELETE" }), 403, "forbidden");
  });

  it("checks an API key's grants on the stream's topic", async () => {
    const path = unique("app");
    await createStream(path);
    const producer = await createKey([{ operation: "produce", resource: "topic:ds.app.*" }]);
    const bearer = { authorization: `Bearer ${producer}` };
    expect((await raw(`/ds/${path}`, { method: "POST", headers: { ...bearer, "content-type": "text/plain" }, body: "a" })).status).toBe(
      204,
    );
    await expectError(await raw(`/ds/${path}?offset=-1`, { headers: bearer }), 403, "forbidden");
    await expectError(await raw(`/ds/${unique("app")}`, { method: "PUT", headers: bearer }), 403, "forbidden");
    await expectError(
      await raw(`/ds/${unique("other")}`, { method: "POST", headers: { ...bearer, "content-type": "text/plain" }, body: "a" }),
      403,
      "forbidden",
    );
  });
});

describe("/ds stream paths and topics", () => {
  it("maps a path to a readable topic name, escaping what topic names cannot hold", async () => {
    const id = `${Date.now().toString(36)}-${counter++}`;
    await createStream(`map/a.b_c ü-${id}`);
    const topics = ((await (await call("/v1/topics")).json()) as { topics: Array<{ name: string }> }).topics.map((t) => t.name);
    expect(topics).toContain(`ds.map.a_2Eb_5Fc_20_C3_BC-${id}`);
  });

  it("keeps paths that differ only in / and . apart", async () => {
    const id = `${Date.now().toString(36)}-${counter++}`;
    await createStream(`sep/a.b-${id}`, "dot");
    await createStream(`sep/a/b-${id}`, "slash");
    expect(await (await call(`/ds/sep/a.b-${id}?offset=-1`)).text()).toBe("dot");
    expect(await (await call(`/ds/sep/a/b-${id}?offset=-1`)).text()).toBe("slash");
  });

  it("hashes paths too long for a topic name into their own namespace", async () => {
    const path = `long/${"x".repeat(300)}-${counter++}`;
    await createStream(path, "long");
    expect(await (await call(`/ds/${path}?offset=-1`)).text()).toBe("long");
    const topics = ((await (await call("/v1/topics")).json()) as { topics: Array<{ name: string }> }).topics.map((t) => t.name);
    expect(topics.some((t) => /^dsh\.[0-9a-f]{64}$/.test(t))).toBe(true);
  });

  it("refuses to adopt a topic that already holds records written through /v1", async () => {
    const id = `${Date.now().toString(36)}${counter++}`;
    expect((await json("/v1/topics", "POST", { name: `ds.v1-${id}`, partitions: 1 })).status).toBe(201);
    expect((await json(`/v1/topics/ds.v1-${id}/records`, "POST", { records: [{ value: "kafka" }] })).status).toBe(200);
    await expectError(await call(`/ds/v1-${id}`, { method: "PUT", headers: { "content-type": "text/plain" } }), 409, "stream_conflict");
  });

  it("ends a long-poll read when records arrive through /v1 on the stream's topic", async () => {
    const id = `${Date.now().toString(36)}${counter++}`;
    const created = await createStream(`poll-${id}`, "first ");
    const tail = created.headers.get("stream-next-offset")!;
    const waiting = call(`/ds/poll-${id}?offset=${tail}&live=long-poll`);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the read is waiting in the partition object
    const produced = await call(`/v1/topics/ds.poll-${id}/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ records: [{ value: "second" }] }),
    });
    expect(produced.status).toBe(200);
    // Unwoken, the read would sleep until its deadline (20 s, EDGEBROKER_DS_LONG_POLL_MS) and only
    // then find the record: half that is a safe line between "woken" and "timed out".
    const read = await Promise.race([waiting, new Promise<"still waiting">((r) => setTimeout(() => r("still waiting"), 10_000))]);
    expect(read).not.toBe("still waiting");
    expect((read as Response).status).toBe(200);
    expect(await (read as Response).text()).toBe('"second"'); // a /v1 JSON value is stored as its JSON text
  });
});

describe("/ds bad input", () => {
  it("answers malformed requests with 4xx JSON errors that say what is wrong", async () => {
    const path = unique("bad");
    await createStream(path, "x");
    const cases: Array<[string, RequestInit, number, string]> = [
      [`/ds/${path}?offset=abc`, {}, 400, "bad_request"],
      [`/ds/${path}?offset=1&offset=2`, {}, 400, "bad_request"],
      [`/ds/${path}?offset=-1&live=forever`, {}, 400, "bad_request"],
      [`/ds/${path}?live=long-poll`, {}, 400, "bad_request"],
      [`/ds/${unique("bad")}`, { method: "PUT", headers: { "stream-ttl": "+5" } }, 400, "bad_request"],
      [`/ds/${unique("bad")}`, { method: "PUT", headers: { "stream-expires-at": "tomorrow" } }, 400, "bad_request"],
      [
        `/ds/${unique("bad")}`,
        { method: "PUT", headers: { "stream-ttl": "5", "stream-expires-at": "2030-01-01T00:00:00Z" } },
        400,
        "bad_request",
      ],
      [`/ds/${path}`, { method: "POST", headers: { "content-type": "text/plain" } }, 400, "bad_request"],
      [`/ds/${path}`, { method: "POST", body: new TextEncoder().encode("no content type") }, 400, "bad_request"],
      [`/ds/${path}`, { method: "POST", headers: { "content-type": "text/plain", "producer-id": "p" }, body: "x" }, 400, "bad_request"],
      [
        `/ds/${path}`,
        {
          method: "POST",
          headers: { "content-type": "text/plain", "producer-id": "p", "producer-epoch": "1e3", "producer-seq": "0" },
          body: "x",
        },
        400,
        "bad_request",
      ],
      [`/ds/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }, 409, "stream_conflict"],
      [`/ds/${unique("missing")}`, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" }, 404, "stream_not_found"],
      [`/ds/${unique("missing")}?offset=-1`, {}, 404, "stream_not_found"],
      ["/ds/", { method: "PUT" }, 400, "bad_request"],
      ["/ds/app/__ds/unknown", {}, 404, "not_found"],
      ["/ds/__ds/subscriptions/s1", { method: "PUT", headers: { "content-type": "application/json" }, body: "{nope" }, 400, "invalid_json"],
      [`/ds/${path}`, { method: "PATCH" }, 405, "method_not_allowed"],
    ];
    for (const [url, init, status, code] of cases) {
      const res = await call(url, init);
      expect(res.headers.get("content-type"), `${init.method ?? "GET"} ${url}`).toBe("application/json");
      const error = await expectError(res, status, code);
      expect(error.message, url).not.toContain("internal");
    }
  });

  it("refuses invalid JSON on a JSON stream", async () => {
    const path = unique("json");
    await createStream(path, undefined, "application/json");
    await expectError(
      await call(`/ds/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" }),
      400,
      "invalid_json",
    );
    await expectError(
      await call(`/ds/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: "[]" }),
      400,
      "bad_request",
    );
  });

  it("refuses bodies over the request size limit with 413", async () => {
    const path = unique("big");
    await createStream(path);
    const big = "x".repeat(1_048_577);
    await expectError(
      await call(`/ds/${path}`, { method: "POST", headers: { "content-type": "text/plain" }, body: big }),
      413,
      "payload_too_large",
    );
    // Nothing of it was appended.
    expect(await (await call(`/ds/${path}?offset=-1`)).text()).toBe("");
  });

  it("refuses appends to a closed stream with Stream-Closed and the final offset", async () => {
    const path = unique("closed");
    await createStream(path, "last");
    expect((await call(`/ds/${path}`, { method: "POST", headers: { "stream-closed": "true" } })).status).toBe(204);
    const res = await call(`/ds/${path}`, { method: "POST", headers: { "content-type": "text/plain" }, body: "more" });
    await expectError(res, 409, "stream_closed");
    expect(res.headers.get("stream-closed")).toBe("true");
    expect(res.headers.get("stream-next-offset")).toBe("0000000000000000_0000000000000001");
  });
});

describe("/ds subscriptions", () => {
  it("links the existing streams a new pattern subscription matches, at their tails", async () => {
    const root = `subs${Date.now().toString(36)}${counter++}`;
    await createStream(`${root}/events/a`, "one");
    await call(`/ds/${root}/events/a`, { method: "POST", headers: { "content-type": "text/plain" }, body: "two" });
    await call(`/ds/${root}/wake`, { method: "PUT", headers: { "content-type": "application/json" } });
    const created = await call(`/ds/${root}/__ds/subscriptions/s1`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "pull-wake", pattern: "events/*", wake_stream: "wake" }),
    });
    expect(created.status).toBe(201);
    const sub = (await (await call(`/ds/${root}/__ds/subscriptions/s1`)).json()) as {
      streams: Array<{ path: string; link_type: string; acked_offset: string }>;
    };
    expect(sub.streams).toEqual([{ path: "events/a", link_type: "glob", acked_offset: "0000000000000000_0000000000000002" }]);
    // Nothing is pending, so there is nothing to claim.
    const claim = await call(`/ds/${root}/__ds/subscriptions/s1/claim`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ worker: "w" }),
    });
    expect(claim.status).toBe(204);
  });

  it("refuses webhooks to loopback unless EDGEBROKER_DS_LOOPBACK_WEBHOOKS is set, and to private addresses", async () => {
    for (const url of [
      "http://127.0.0.1:9/hook",
      "http://localhost/hook",
      "https://10.1.2.3/hook",
      "https://192.168.0.1/hook",
      "ftp://example.com/hook",
    ]) {
      const res = await call(`/ds/subs/__ds/subscriptions/hook-${counter++}`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "webhook", pattern: "*", webhook: { url } }),
      });
      expect(res.status, url).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("WEBHOOK_URL_REJECTED");
    }
  });

  it("acks a claimed wake only with its token, and fences it once done", async () => {
    const root = `claim${Date.now().toString(36)}${counter++}`;
    await call(`/ds/${root}/wake`, { method: "PUT", headers: { "content-type": "application/json" } });
    const sub = `/ds/${root}/__ds/subscriptions/s1`;
    const put = await call(sub, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "pull-wake", pattern: "events/*", wake_stream: "wake" }),
    });
    expect(put.status).toBe(201);
    await createStream(`${root}/events/a`, "data");
    // The append's wake is delivered after its answer: claim until it has arrived.
    let claim: Response | undefined;
    for (let i = 0; i < 200 && claim?.status !== 200; i++) {
      claim = await call(`${sub}/claim`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ worker: "w1" }),
      });
    }
    expect(claim!.status).toBe(200);
    const wake = (await claim!.json()) as {
      wake_id: string;
      generation: number;
      token: string;
      streams: Array<{ path: string; tail_offset: string }>;
    };
    expect(wake.streams).toEqual([expect.objectContaining({ path: "events/a", tail_offset: "0000000000000000_0000000000000001" })]);
    const ack = (token: string) =>
      raw(`${sub}/ack`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          wake_id: wake.wake_id,
          generation: wake.generation,
          acks: [{ stream: "events/a", offset: wake.streams[0]!.tail_offset }],
          done: true,
        }),
      });
    const forged = await ack("not-the-token");
    expect(forged.status).toBe(409);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe("FENCED");
    const done = await ack(wake.token);
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ ok: true, next_wake: false });
    expect((await ack(wake.token)).status).toBe(409);
  });
});
