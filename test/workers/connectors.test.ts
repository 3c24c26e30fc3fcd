// /v1/connectors through the Worker and the connector Durable Objects in workerd: Kafka Connect's
// REST shapes, config errors naming the field, secrets never echoed, admin only, pause / resume /
// restart / delete, and the webhook source end to end (signature, dedupe by delivery id, paused).
// HTTP sink deliveries to a real receiver run in test/contract/connectors.test.ts on every host.
import { describe, expect, it } from "vitest";
import { call, createTopic, expectError, fetchRecords, json } from "./api-support.ts";

const utf8 = new TextEncoder();
let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${counter++}`;

async function hmacHex(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8.encode(body)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

function sinkConfig(topic: string, extra: Record<string, unknown> = {}) {
  return { "connector.class": "http-sink", topics: topic, "http.url": "https://receiver.example.com/in", ...extra };
}

describe("connector management", () => {
  it("creates, lists, describes and deletes a connector in Kafka Connect's shapes, secrets redacted", async () => {
    const topic = await createTopic(2);
    const name = unique("sink");
    const created = await json("/v1/connectors", "POST", {
      name,
      config: sinkConfig(topic, {
        "signing.algorithm": "hmac-sha256",
        "signing.secret": "top-secret",
        "http.authorization": "Bearer abc",
        "batch.max.records": 50,
      }),
    });
    const body = (await created.json()) as any;
    expect(created.status, JSON.stringify(body)).toBe(201);
    expect(body).toEqual({
      name,
      type: "sink",
      tasks: [{ connector: name, task: 0 }],
      config: expect.objectContaining({ "signing.secret": "[redacted]", "http.authorization": "[redacted]", "batch.max.records": "50" }),
    });
    expect(JSON.stringify(body)).not.toContain("top-secret");

    const list = (await (await call("/v1/connectors")).json()) as string[];
    expect(list).toContain(name);
    const expanded = (await (await call("/v1/connectors?expand=status&expand=info")).json()) as any;
    expect(expanded[name].info.config["signing.secret"]).toBe("[redacted]");
    expect(expanded[name].status.connector.state).toBe("RUNNING");

    const described = (await (await call(`/v1/connectors/${name}`)).json()) as any;
    expect(described.config["signing.secret"]).toBe("[redacted]");
    const config = (await (await call(`/v1/connectors/${name}/config`)).json()) as any;
    expect(JSON.stringify(config)).not.toContain("top-secret");

    // Status: one task, the sink's group and its lag per partition (nothing produced: 0).
    const status = (await (await call(`/v1/connectors/${name}/status`)).json()) as any;
    expect(status).toMatchObject({
      name,
      type: "sink",
      connector: { state: "RUNNING" },
      tasks: [{ id: 0, state: "RUNNING" }],
      group: `connect-${name}`,
    });
    expect(status.lag.partitions).toHaveLength(2);

    await expectError(await json("/v1/connectors", "POST", { name, config: sinkConfig(topic) }), 409, "connector_exists");
    expect((await call(`/v1/connectors/${name}`, { method: "DELETE" })).status).toBe(204);
    await expectError(await call(`/v1/connectors/${name}`), 404, "connector_not_found");
    await expectError(await call(`/v1/connectors/${name}/status`), 404, "connector_not_found");
    expect((await (await call("/v1/connectors")).json()) as string[]).not.toContain(name);
  });

  it("PUT …/config creates (201) then updates (200), keeping a secret sent back redacted", async () => {
    const topic = await createTopic();
    const name = unique("put");
    const first = await json(
      `/v1/connectors/${name}/config`,
      "PUT",
      sinkConfig(topic, { "signing.algorithm": "hmac-sha256", "signing.secret": "s1" }),
    );
    expect(first.status).toBe(201);
    const copy = (await (await call(`/v1/connectors/${name}/config`)).json()) as Record<string, string>;
    const second = await json(`/v1/connectors/${name}/config`, "PUT", { ...copy, "batch.linger.ms": "5" });
    expect(second.status).toBe(200);
    // Redacted on the way back in means "unchanged": the connector still has a secret (the config is valid).
    const after = (await (await call(`/v1/connectors/${name}/config`)).json()) as any;
    expect(after).toMatchObject({ "batch.linger.ms": "5", "signing.secret": "[redacted]" });
  });

  it.each([
    [{ "connector.class": "nope" }, "connector.class"],
    [{ topics: "x" }, "connector.class"],
    [{ "connector.class": "http-sink", "http.url": "https://a.example.com" }, "topics"],
    [{ "connector.class": "http-sink", topics: "t" }, "http.url"],
    [sinkConfig("t", { "http.url": "ftp://a.example.com" }), "http.url"],
    [sinkConfig("t", { "http.url": "http://127.0.0.1:9/in" }), "http.url"],
    [sinkConfig("t", { "http.url": "https://10.0.0.1/in" }), "http.url"],
    [sinkConfig("t", { "batch.max.records": "0" }), "batch.max.records"],
    [sinkConfig("t", { "batch.linger.ms": "soon" }), "batch.linger.ms"],
    [sinkConfig("t", { "http.format": "xml" }), "http.format"],
    [sinkConfig("t", { "signing.algorithm": "hmac-sha256" }), "signing.secret"],
    [sinkConfig("t", { "signing.algorithm": "ed25519", "signing.private.key": "bm90IGEga2V5" }), "signing.private.key"],
    [sinkConfig("t", { "retry.max.attempts": "-1" }), "retry.max.attempts"],
    [sinkConfig("bad topic!"), "topics"],
    [sinkConfig("t", { "http.urll": "typo" }), "http.urll"],
    [sinkConfig("t", { nested: { a: 1 } }), "nested"],
    [{ "connector.class": "webhook-source", topic: "t" }, "webhook.secret"],
    [{ "connector.class": "webhook-source", "webhook.secret": "s" }, "topic"],
    [
      { "connector.class": "webhook-source", topic: "t", "webhook.secret": "s", "webhook.signature.encoding": "rot13" },
      "webhook.signature.encoding",
    ],
  ])("refuses %j naming %s", async (config, field) => {
    const err = await expectError(await json("/v1/connectors", "POST", { name: unique("bad"), config }), 400, "invalid_config");
    expect(err.field).toBe(field);
    expect(err.message.startsWith(`${field}:`)).toBe(true);
  });

  it("refuses a bad name or body", async () => {
    await expectError(await json("/v1/connectors", "POST", { name: "a/b", config: sinkConfig("t") }), 400, "invalid_config");
    await expectError(await json("/v1/connectors", "POST", { config: sinkConfig("t") }), 400, "invalid_config");
    await expectError(await json("/v1/connectors", "POST", [1]), 400, "bad_request");
    await expectError(await json("/v1/connectors", "POST", { name: "x", config: sinkConfig("t"), extra: 1 }), 400, "bad_request");
  });

  it("needs admin: a key with every topic grant gets 403, no token 401", async () => {
    const key = (await (
      await json("/v1/keys", "POST", {
        name: unique("k"),
        grants: [
          { operation: "admin", resource: "topic:*" },
          { operation: "admin", resource: "group:*" },
        ],
      })
    ).json()) as { secret: string };
    const as = { authorization: `Bearer ${key.secret}` };
    await expectError(await json("/v1/connectors", "POST", { name: unique("x"), config: sinkConfig("t") }, as), 403, "forbidden");
    await expectError(await call("/v1/connectors", { headers: as }), 403, "forbidden");
    const anonymous = await call("/v1/connectors", { headers: { authorization: "" } });
    expect(anonymous.status).toBe(401);
  });

  it("pauses, resumes and restarts", async () => {
    const topic = await createTopic();
    const name = unique("life");
    expect((await json("/v1/connectors", "POST", { name, config: sinkConfig(topic) })).status).toBe(201);
    const state = async () => ((await (await call(`/v1/connectors/${name}/status`)).json()) as any).connector.state;
    expect((await call(`/v1/connectors/${name}/pause`, { method: "PUT" })).status).toBe(202);
    expect(await state()).toBe("PAUSED");
    // A config change keeps the state.
    expect((await json(`/v1/connectors/${name}/config`, "PUT", sinkConfig(topic, { "batch.linger.ms": 1 }))).status).toBe(200);
    expect(await state()).toBe("PAUSED");
    expect((await call(`/v1/connectors/${name}/resume`, { method: "PUT" })).status).toBe(202);
    expect(await state()).toBe("RUNNING");
    expect((await call(`/v1/connectors/${name}/restart`, { method: "POST" })).status).toBe(204);
    expect(await state()).toBe("RUNNING");
    await expectError(await call(`/v1/connectors/nope-${name}/pause`, { method: "PUT" }), 404, "connector_not_found");
  });
});

describe("webhook source", () => {
  async function source(extra: Record<string, unknown> = {}) {
    const topic = await createTopic();
    const name = unique("hook");
    const res = await json("/v1/connectors", "POST", {
      name,
      config: { "connector.class": "webhook-source", topic, "webhook.secret": "whsec", ...extra },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return { topic, name };
  }

  const deliver = (name: string, body: string, headers: Record<string, string>) =>
    call(`/v1/connectors/${name}/webhook`, {
      method: "POST",
      body,
      headers: { authorization: "", "content-type": "application/json", ...headers },
    });

  it("appends a signed delivery keyed by its delivery id, once, with no bearer token", async () => {
    const { topic, name } = await source();
    const body = JSON.stringify({ action: "opened", n: 1 });
    const headers = { "x-hub-signature-256": `sha256=${await hmacHex("whsec", body)}`, "x-github-delivery": "d-1" };
    const first = await deliver(name, body, headers);
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ duplicate: false, partition: 0, offset: 0 });
    const again = await deliver(name, body, headers);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ duplicate: true, partition: 0, offset: 0 });
    const page = await fetchRecords(topic, 0);
    expect(page.records).toHaveLength(1);
    expect(page.records[0]).toMatchObject({ key: "d-1", value: { action: "opened", n: 1 }, headers: { "webhook-delivery-id": "d-1" } });
    const status = (await (await call(`/v1/connectors/${name}/status`)).json()) as any;
    expect(status.metrics).toMatchObject({ records_appended: 1, deliveries_duplicate: 1 });
  });

  it("refuses a missing or wrong signature (401) and a missing delivery id (400); nothing is appended", async () => {
    const { topic, name } = await source({
      "webhook.signature.header": "X-Signature",
      "webhook.signature.prefix": "",
      "webhook.signature.encoding": "base64",
    });
    const body = "payload";
    await expectError(await deliver(name, body, { "x-github-delivery": "d" }), 401, "invalid_signature");
    await expectError(await deliver(name, body, { "x-signature": "AAAA", "x-github-delivery": "d" }), 401, "invalid_signature");
    const key = await crypto.subtle.importKey("raw", utf8.encode("whsec"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const b64 = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8.encode(body)))));
    // Signed over other bytes than those sent.
    await expectError(await deliver(name, `${body}!`, { "x-signature": b64, "x-github-delivery": "d" }), 401, "invalid_signature");
    await expectError(await deliver(name, body, { "x-signature": b64 }), 400, "bad_request");
    expect((await fetchRecords(topic, 0)).records).toHaveLength(0);
    expect((await deliver(name, body, { "x-signature": b64, "x-github-delivery": "d" })).status).toBe(202);
  });

  it("answers 503 with Retry-After while paused, 404 for a sink or an unknown connector", async () => {
    const { name } = await source();
    expect((await call(`/v1/connectors/${name}/pause`, { method: "PUT" })).status).toBe(202);
    const body = "{}";
    const headers = { "x-hub-signature-256": `sha256=${await hmacHex("whsec", body)}`, "x-github-delivery": "p" };
    const paused = await deliver(name, body, headers);
    expect(paused.headers.get("retry-after")).toBe("30");
    await expectError(paused, 503, "connector_paused");
    await expectError(await deliver(`missing-${name}`, body, headers), 404, "connector_not_found");
    const topic = await createTopic();
    const sink = unique("sink");
    expect((await json("/v1/connectors", "POST", { name: sink, config: sinkConfig(topic) })).status).toBe(201);
    await expectError(await deliver(sink, body, headers), 404, "not_found");
  });
});

describe("HTTP sink in workerd", () => {
  it("keeps running on a topic that does not exist yet, saying so in its status", async () => {
    const name = unique("early");
    const topic = `later-${name}`;
    expect((await json("/v1/connectors", "POST", { name, config: sinkConfig(topic) })).status).toBe(201);
    let status: any;
    for (let i = 0; i < 100; i++) {
      status = await (await call(`/v1/connectors/${name}/status`)).json();
      if (status.connector.trace) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status.connector).toMatchObject({ state: "RUNNING", trace: expect.stringContaining(`topic ${topic}:`) });
    expect(status.lag).toEqual({ total: 0, partitions: [] });
  });

  it("runs from the object's alarm: an unreachable receiver's batch is retried, then dead-lettered; the group moves past it", async () => {
    const topic = await createTopic();
    const dlq = await createTopic();
    const name = unique("unreachable");
    const res = await json(`/v1/topics/${topic}/records`, "POST", { records: [{ key: "a", value: 1 }, { value: 2 }, { value: 3 }] });
    expect(res.status).toBe(200);
    // .invalid never resolves (RFC 6761 §6.4): every attempt is a network failure, with or without a network.
    const created = await json("/v1/connectors", "POST", {
      name,
      config: sinkConfig(topic, {
        "http.url": "https://sink.invalid/in",
        "retry.max.attempts": 2,
        "retry.backoff.ms": 10,
        "http.timeout.ms": 2_000,
        "errors.deadletterqueue.topic.name": dlq,
      }),
    });
    expect(created.status).toBe(201);
    let dead: any[] = [];
    for (let i = 0; i < 300 && dead.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      dead = (await fetchRecords(dlq, 0)).records;
    }
    expect(dead.map((r) => r.value)).toEqual([1, 2, 3]);
    expect(dead[0].key).toBe("a");
    expect(dead[0].headers).toMatchObject({
      "__connect.errors.topic": topic,
      "__connect.errors.offset": "0",
      "__connect.errors.attempts": "2",
      "__connect.errors.connector.name": name,
    });
    expect(dead[0].headers["__connect.errors.exception.message"]).toMatch(/^network: /);
    let status: any;
    for (let i = 0; i < 100; i++) {
      status = await (await call(`/v1/connectors/${name}/status`)).json();
      if (status.lag.total === 0 && status.lag.partitions[0].committed === 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status.lag.partitions[0]).toMatchObject({ committed: 3, high_watermark: 3, lag: 0 });
    expect(status.metrics).toMatchObject({ records_dead_lettered: 3, delivery_failures: 2 });
    const group = (await (await call(`/v1/groups/connect-${name}`)).json()) as any;
    expect(group.offsets).toMatchObject([{ topic, partition: 0, offset: 3, lag: 0 }]);
  });
});
