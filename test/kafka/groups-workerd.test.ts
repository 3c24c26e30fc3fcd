// A kafkajs consumer group on Cloudflare: two members through `edgebroker kafka-proxy` to the
// Worker's Kafka WebSocket route in workerd (the bundle `wrangler deploy` ships). JoinGroup and
// SyncGroup wait inside the group's Durable Object until the rebalance completes; the committed
// offsets are the ones `GET /v1/groups/{group}` describes, with lag.
import type { Consumer } from "kafkajs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWorkerd, type Target } from "../contract/hosts-support.ts";
import { shares, until, type GroupView } from "./groups-support.ts";
import { http, kafkajs, startProxy, type KafkaProxy } from "./support.ts";

let target: Target;
let proxy: KafkaProxy;
const consumers: Consumer[] = [];
beforeAll(async () => {
  target = await startWorkerd();
  proxy = await startProxy(target.url);
});
afterAll(async () => {
  await Promise.allSettled(consumers.map((c) => c.disconnect()));
  await proxy?.stop();
  await target?.stop();
});

const group = async (name: string): Promise<GroupView> =>
  (await (await http(target.url, target.token, "GET", `/v1/groups/${name}`)).json()) as GroupView;

it("two kafkajs members share a topic through the group's Durable Object, commit, and the group describes them with lag", async () => {
  expect((await http(target.url, target.token, "POST", "/v1/topics", { name: "edge-groups", partitions: 4 })).status).toBe(201);
  const records = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
  expect((await http(target.url, target.token, "POST", "/v1/topics/edge-groups/records", { records })).status).toBe(200);
  const seen: string[] = [];
  for (let i = 0; i < 2; i++) {
    const c = kafkajs(proxy.bootstrap).consumer({
      groupId: "edge-consumers",
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200,
    });
    consumers.push(c);
    await c.connect();
    await c.subscribe({ topic: "edge-groups", fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
  }
  await until(async () => {
    const g = await group("edge-consumers");
    return g.state === "stable" && shares(g).join() === "2,2";
  }, "two members with two partitions each");
  await until(async () => new Set(seen).size === 20 || undefined, "all 20 records");
  await until(async () => {
    const g = await group("edge-consumers");
    return g.offsets.length === 4 && g.offsets.every((o) => o.lag === 0);
  }, "every partition committed with lag 0");
  await Promise.all(consumers.map((c) => c.disconnect()));
  const after = await group("edge-consumers");
  expect(after).toMatchObject({ state: "empty", members: [] });
});
