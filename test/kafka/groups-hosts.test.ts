// Consumer groups on the other standalone hosts (Bun, Deno): the same group object runs on their
// actor host (bun:sqlite / node:sqlite in Deno, alarms from timers), so a kafkajs group joins,
// commits, and a new member resumes from the committed offsets.
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until, type GroupView } from "./groups-support.ts";
import { http, startKafkaHost, type KafkaHost } from "./support.ts";

describe.each(["bun", "deno"] as const)("consumer groups on %s", (runtime) => {
  let host: KafkaHost;
  beforeAll(async () => {
    host = await startKafkaHost(runtime, { EDGEBROKER_GROUP_INITIAL_REBALANCE_DELAY_MS: "100" });
  }, 60_000);
  afterAll(async () => host?.stop());

  const group = async (name: string) => (await (await http(host.http, host.token, "GET", `/v1/groups/${name}`)).json()) as GroupView;
  const produce = async (values: string[]) =>
    expect(
      (await http(host.http, host.token, "POST", "/v1/topics/hosts/records", { records: values.map((value) => ({ value })) })).status,
    ).toBe(200);

  it("a kafkajs member consumes and commits; the next one resumes after the committed offsets", async () => {
    expect((await http(host.http, host.token, "POST", "/v1/topics", { name: "hosts", partitions: 2 })).status).toBe(201);
    await produce(["a", "b", "c", "d", "e"]);
    const kafka = new Kafka({
      clientId: `${runtime}-test`,
      brokers: [host.bootstrap],
      sasl: { mechanism: "plain", username: "admin", password: host.token },
      logLevel: logLevel.NOTHING,
    });
    const run = async (into: string[]) => {
      const c = kafka.consumer({ groupId: "hosts-group", sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
      await c.connect();
      await c.subscribe({ topic: "hosts", fromBeginning: true });
      await c.run({ eachMessage: async ({ message }) => void into.push(JSON.parse(message.value!.toString())) });
      return c;
    };
    const first: string[] = [];
    const c1 = await run(first);
    await until(async () => first.length === 5 || undefined, "5 records");
    await until(async () => (await group("hosts-group")).offsets.reduce((n, o) => n + o.offset, 0) === 5, "5 offsets committed");
    expect((await group("hosts-group")).members[0]).toMatchObject({ protocol: "kafka-classic" });
    await c1.disconnect();
    await produce(["f", "g"]);
    const second: string[] = [];
    const c2 = await run(second);
    await until(async () => second.length === 2 || undefined, "the 2 new records");
    expect(second.sort()).toEqual(["f", "g"]);
    await c2.disconnect();
  });
});
