// Kafka clients on Cloudflare: kcat and kafkajs through `edgebroker kafka-proxy` (a real CLI
// process) to the Worker's GET /v1/kafka WebSocket route in workerd (Miniflare, the bundle
// `wrangler deploy` ships). The proxy states its own address, so Metadata sends the clients back
// through it.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWorkerd, type Target } from "../contract/hosts-support.ts";
import { runCli } from "../cli/cli-support.ts";
import { http, kafkajs, kcat, startProxy, type Proxy } from "./support.ts";

let target: Target;
let proxy: Proxy;
beforeAll(async () => {
  target = await startWorkerd();
  proxy = await startProxy(target.url);
});
afterAll(async () => {
  await proxy?.stop();
  await target?.stop();
});

it("kcat lists the broker at the proxy's address and produces and consumes through it", async () => {
  expect((await http(target.url, target.token, "POST", "/v1/topics", { name: "edge", partitions: 2 })).status).toBe(201);
  const meta = await kcat(proxy.bootstrap, ["-L", "-J"]);
  expect(meta.code, meta.stderr).toBe(0);
  const doc = JSON.parse(meta.stdout.toString());
  expect(doc.brokers).toEqual([{ id: 0, name: proxy.bootstrap }]);
  expect(doc.topics.find((t: { topic: string }) => t.topic === "edge").partitions.length).toBe(2);

  const lines = Array.from({ length: 50 }, (_, i) => `k${i % 5}:v${i}`).join("\n") + "\n";
  const produced = await kcat(proxy.bootstrap, ["-P", "-t", "edge", "-K:"], { input: lines });
  expect(produced.code, produced.stderr).toBe(0);
  const consumed = await kcat(proxy.bootstrap, ["-C", "-t", "edge", "-o", "beginning", "-e", "-f", "%k:%s\n"]);
  expect(consumed.code, consumed.stderr).toBe(0);
  expect(consumed.stdout.toString().trim().split("\n").sort()).toEqual(lines.trim().split("\n").sort());
  // The same records over HTTP.
  const stats = await (await http(target.url, target.token, "GET", "/v1/topics/edge")).json() as { partitions: Array<{ end_offset: number }> };
  expect(stats.partitions.reduce((n, p) => n + p.end_offset, 0)).toBe(50);
});

it("kafkajs admin and an idempotent producer through the proxy", async () => {
  const kafka = kafkajs(proxy.bootstrap);
  const admin = kafka.admin();
  await admin.connect();
  try {
    expect(await admin.createTopics({ topics: [{ topic: "edge-js", numPartitions: 3 }] })).toBe(true);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const sent = await producer.send({ topic: "edge-js", messages: [{ key: "a", value: "1", headers: { h: "x" } }, { key: "b", value: "2" }] });
    await producer.disconnect();
    expect(sent.every((r) => r.errorCode === 0)).toBe(true);
    const offsets = await admin.fetchTopicOffsets("edge-js");
    expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(2);
    await admin.deleteTopics({ topics: ["edge-js"] });
    expect(await admin.listTopics()).not.toContain("edge-js");
  } finally {
    await admin.disconnect();
  }
});

it("a wrong password over the bridge is refused", async () => {
  const r = await kcat(proxy.bootstrap, ["-L", "-m", "5"], { password: "wrong" });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/Authentication|SASL/i);
});

it("an API key's grants apply over the bridge: consume-only may read but not produce", async () => {
  expect((await http(target.url, target.token, "POST", "/v1/topics", { name: "edge-keyed", partitions: 1 })).status).toBe(201);
  expect((await http(target.url, target.token, "POST", "/v1/topics/edge-keyed/records", { records: [{ key: "k", value: "from-http" }] })).status).toBe(200);
  const made = await http(target.url, target.token, "POST", "/v1/keys", { name: "edge-reader", grants: [{ operation: "consume", resource: "topic:edge-keyed" }] });
  expect(made.status).toBe(201);
  const key = (await made.json()) as { id: string; secret: string };
  const as = { user: key.id, password: key.secret };
  const read = await kcat(proxy.bootstrap, ["-C", "-t", "edge-keyed", "-o", "beginning", "-e", "-f", "%k=%s\n"], as);
  expect(read.code, read.stderr).toBe(0);
  expect(read.stdout.toString()).toBe('k="from-http"\n');
  const write = await kcat(proxy.bootstrap, ["-P", "-t", "edge-keyed"], { input: "nope\n", ...as });
  expect(write.code).not.toBe(0);
  expect(write.stderr).toMatch(/authoriz/i);
});

it("kafka-proxy: a malformed --listen is a usage error (exit 2)", async () => {
  const bad = await runCli(["kafka-proxy", "--listen", "9092"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("expected host:port");
});
