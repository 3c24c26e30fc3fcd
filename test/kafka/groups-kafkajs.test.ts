// Consumer groups with an unmodified kafkajs 2.2.4 against the standalone Node broker's Kafka
// listener: two members rebalancing (join, LeaveGroup, a member crash found by the session
// timeout), commit and resume, admin offsets and group APIs, `GET /v1/groups/{group}` and
// `edgebroker group describe` showing the Kafka members and lag, and HTTP and Kafka members
// refused in one group (INCONSISTENT_GROUP_PROTOCOL / 409).
import { spawn } from "node:child_process";
import type { Consumer, EachMessagePayload } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli/cli-support.ts";
import { shares, startKafkaBroker, TOKEN, until, type KafkaBroker } from "./groups-support.ts";

let broker: KafkaBroker;
const consumers: Consumer[] = [];

beforeAll(async () => {
  broker = await startKafkaBroker();
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(consumers.map((c) => c.disconnect()));
  await broker?.stop();
});

function consumer(groupId: string): Consumer {
  const c = broker
    .client()
    .consumer({ groupId, sessionTimeout: 6_000, heartbeatInterval: 300, rebalanceTimeout: 10_000, maxWaitTimeInMs: 200 });
  consumers.push(c);
  return c;
}

async function consume(c: Consumer, topic: string, into: string[]): Promise<void> {
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  await c.run({ eachMessage: async ({ message }: EachMessagePayload) => void into.push(message.value!.toString()) });
}

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe("kafkajs consumer groups", () => {
  it("rebalances two members on join, on LeaveGroup and when a member crashes (session timeout); every record is consumed", async () => {
    await broker.createTopic("rebalance", 4);
    await broker.produce("rebalance", values("a", 40));
    const seen: string[] = [];
    const c1 = consumer("rb");
    await consume(c1, "rebalance", seen);
    await until(async () => shares(await broker.group("rb")).join() === "4", "c1 owning all 4 partitions");
    const c2 = consumer("rb");
    await consume(c2, "rebalance", seen);
    const two = await until(async () => {
      const g = await broker.group("rb");
      return g.state === "stable" && shares(g).join() === "2,2" && g;
    }, "two members with 2 partitions each");
    expect(two.members.every((m) => m.protocol === "kafka-classic")).toBe(true);
    expect(two.classic!.generation_id).toBeGreaterThanOrEqual(2);

    // c2 leaves (LeaveGroup): c1 takes everything back without waiting for a timeout.
    await c2.disconnect();
    await until(async () => shares(await broker.group("rb")).join() === "4", "c1 owning all 4 partitions after c2 left");

    // A member in another process is SIGKILLed: no LeaveGroup; its session (6 s) runs out.
    const child = spawn(process.execPath, ["test/kafka/fixtures/kafkajs-member.mjs", broker.kafka, TOKEN, "rb", "rebalance"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    try {
      await until(async () => {
        const g = await broker.group("rb");
        // The child prints its assignment once its SyncGroup answered.
        return g.state === "stable" && shares(g).join() === "2,2" && out.includes("assigned");
      }, "the child member sharing the partitions");
    } finally {
      child.kill("SIGKILL");
    }
    const after = await until(async () => {
      const g = await broker.group("rb");
      return g.members.length === 1 && g.state === "stable" && shares(g).join() === "4" && g;
    }, "the crashed member's session to expire and c1 to own everything");
    await broker.produce("rebalance", values("b", 20));
    await until(async () => new Set(seen).size === 60 || undefined, "all 60 records consumed");
    expect(after.members[0]!.member_id).toMatch(/^groups-test-/);
    await c1.disconnect();
  });

  it("commits as it consumes and a new member resumes from the committed offsets; admin offsets and group APIs see the same offsets", async () => {
    await broker.createTopic("resume", 3);
    await broker.produce("resume", values("first", 12));
    const first: string[] = [];
    const c1 = consumer("resumers");
    await consume(c1, "resume", first);
    await until(async () => first.length === 12 || undefined, "12 records");
    await until(async () => {
      const g = await broker.group("resumers");
      return g.offsets.length === 3 && g.offsets.every((o) => o.lag === 0);
    }, "offsets committed with lag 0");
    await c1.disconnect();

    await broker.produce("resume", values("second", 6));
    // While nobody consumes, the lag shows the 6 new records.
    const idle = await broker.group("resumers");
    expect(idle.state).toBe("empty");
    expect(idle.offsets.reduce((n, o) => n + (o.lag ?? 0), 0)).toBe(6);
    const cli = await runCli(["--url", broker.http, "--token", TOKEN, "group", "describe", "resumers"]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/resume\s+\d+\s+\d+\s+\d+\s+\d+/);

    const admin = broker.client().admin();
    await admin.connect();
    try {
      const fetched = await admin.fetchOffsets({ groupId: "resumers", topics: ["resume"] });
      expect(fetched[0]!.partitions.map((p) => Number(p.offset)).reduce((a, b) => a + b, 0)).toBe(12);
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain("resumers");
      const [described] = (await admin.describeGroups(["resumers"])).groups;
      expect(described).toMatchObject({ groupId: "resumers", state: "Empty", protocolType: "consumer", members: [] });

      const second: string[] = [];
      const c2 = consumer("resumers");
      await consume(c2, "resume", second);
      await until(async () => second.length === 6 || undefined, "the 6 new records");
      // Only what was produced after the commit is delivered again.
      expect(second.sort()).toEqual(
        values("second", 6)
          .map((v) => JSON.stringify(v))
          .sort(),
      );
      const [live] = (await admin.describeGroups(["resumers"])).groups;
      expect(live!.state).toBe("Stable");
      expect(live!.members).toHaveLength(1);
      await c2.disconnect();

      // setOffsets is an OffsetCommit from outside the group (generation -1): allowed once it is empty.
      await admin.setOffsets({
        groupId: "resumers",
        topic: "resume",
        partitions: [0, 1, 2].map((partition) => ({ partition, offset: "0" })),
      });
      const again: string[] = [];
      const c3 = consumer("resumers");
      await consume(c3, "resume", again);
      await until(async () => again.length === 18 || undefined, "all 18 records after the offsets moved back");
      await c3.disconnect();
      await admin.deleteGroups(["resumers"]);
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain("resumers");
      expect((await broker.api("/v1/groups/resumers")).status).toBe(404);
    } finally {
      await admin.disconnect();
    }
  });

  it("refuses HTTP members in a group of Kafka members and Kafka members in a group of HTTP members", async () => {
    await broker.createTopic("mixed", 2);
    const c1 = consumer("mixed-kafka");
    await consume(c1, "mixed", []);
    await until(async () => (await broker.group("mixed-kafka")).state === "stable", "the Kafka member to settle");
    const refused = await broker.api("/v1/groups/mixed-kafka/members", { method: "POST", body: JSON.stringify({ topics: ["mixed"] }) });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("inconsistent_group_protocol");
    await c1.disconnect();

    const joined = await broker.api("/v1/groups/mixed-http/members", {
      method: "POST",
      body: JSON.stringify({ topics: ["mixed"], session_timeout_ms: 60_000 }),
    });
    expect(joined.status).toBe(200);
    const c2 = consumer("mixed-http");
    const crashed = new Promise<{ type?: string }>((resolve) =>
      c2.on(c2.events.CRASH, (e) => resolve(e.payload.error as { type?: string })),
    );
    await c2.connect();
    await c2.subscribe({ topic: "mixed", fromBeginning: true });
    await c2.run({ eachMessage: async () => {} });
    expect((await crashed).type).toBe("INCONSISTENT_GROUP_PROTOCOL");
  });

  it("scopes groups to the key's grants: consume on group:<id> to be a member, admin to delete; malformed ids are refused", async () => {
    await broker.createTopic("scoped-orders", 1);
    await broker.produce("scoped-orders", ["x"]);
    const res = await broker.api("/v1/keys", {
      method: "POST",
      body: JSON.stringify({
        name: "team",
        grants: [
          { operation: "consume", resource: "topic:scoped-*" },
          { operation: "consume", resource: "group:team-*" },
        ],
      }),
    });
    expect(res.status).toBe(201);
    const key = (await res.json()) as { id: string; secret: string };
    // SASL/PLAIN: username = the key's id, password = its secret (the token's part after "ebk_<id>_").
    const kafka = broker.client({ sasl: { mechanism: "plain", username: key.id, password: key.secret.slice(`ebk_${key.id}_`.length) } });
    const crash = async (groupId: string) => {
      const c = kafka.consumer({ groupId, maxWaitTimeInMs: 200, retry: { retries: 0 } });
      consumers.push(c);
      const crashed = new Promise<unknown>((resolve) => c.on(c.events.CRASH, (e) => resolve(e.payload.error)));
      await c.connect();
      await c.subscribe({ topic: "scoped-orders", fromBeginning: true });
      await c.run({ eachMessage: async () => {} });
      return ((await crashed) as { name?: string }).name;
    };
    // FindCoordinator already answers GROUP_AUTHORIZATION_FAILED / INVALID_GROUP_ID; kafkajs reports
    // that it found no coordinator, and the group is never created.
    expect(await crash("other-group")).toBe("KafkaJSGroupCoordinatorNotFound");
    expect(await crash("team a!")).toBe("KafkaJSGroupCoordinatorNotFound");
    expect((await broker.api("/v1/groups/other-group")).status).toBe(404);
    const got: string[] = [];
    const ok = kafka.consumer({ groupId: "team-a", maxWaitTimeInMs: 200 });
    consumers.push(ok);
    await consume(ok, "scoped-orders", got);
    await until(async () => got.length === 1 || undefined, "the record through the scoped key");
    await ok.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    try {
      await expect(admin.deleteGroups(["team-a"])).rejects.toMatchObject({
        groups: [expect.objectContaining({ error: expect.objectContaining({ type: "GROUP_AUTHORIZATION_FAILED" }) })],
      });
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).toEqual(["team-a"]);
    } finally {
      await admin.disconnect();
    }
  });
});
