// ConsumerGroupHeartbeat (KIP-848) through the real dispatcher and a real standalone broker
// (actor host, node:sqlite), with request bytes written by hand from the protocol's grammar (no
// client in the test matrix speaks it: kafkajs 2.2.4 and librdkafka 2.0.2 predate it): two
// members share a topic's partitions by the server-side assignor, a stale epoch is fenced, leave
// hands the partitions back, and classic JoinGroup members are refused from the same group.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBroker, type Broker } from "../../runtime/broker.ts";
import { configFromEnv } from "../../runtime/config.ts";
import { openNodeDatabase } from "../../runtime/sqlite-node.ts";
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import { KafkaServer } from "../server.ts";

let dir: string;
let broker: Broker;
let server: KafkaServer;
let correlation = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cg-heartbeat-"));
  const env: Record<string, string> = { EDGEBROKER_ADMIN_TOKEN: "t", EDGEBROKER_DATA_DIR: dir };
  broker = await createBroker(
    configFromEnv((n) => env[n]),
    openNodeDatabase,
  );
  server = new KafkaServer({ deps: broker.deps, broker: { nodeId: 0, host: "127.0.0.1", port: 9092 }, requireAuth: false, log: () => {} });
  const created = await broker.deps.cluster().createTopic({ name: "kip848", partitions: 4 });
  expect(created.ok).toBe(true);
});

afterAll(async () => {
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Heartbeat {
  errorCode: number;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  partitions: number[] | null;
}

/** ConsumerGroupHeartbeat v`version`, request header v2 (flexible), written field by field. */
async function heartbeat(version: 0 | 1, memberId: string, memberEpoch: number, topics: string[] | null): Promise<Heartbeat> {
  const w = new Writer();
  w.int16(68).int16(version).int32(++correlation).nullableString("cg-test").uvarint(0);
  w.compactNullableString("kip848-group").compactNullableString(memberId).int32(memberEpoch);
  w.uvarint(0).uvarint(0); // instanceId, rackId: null
  w.int32(30_000);
  if (topics === null) w.uvarint(0);
  else {
    w.uvarint(topics.length + 1);
    for (const t of topics) w.compactNullableString(t);
  }
  if (version >= 1) w.uvarint(0); // subscribedTopicRegex: null
  w.uvarint(0).uvarint(0).uvarint(0); // serverAssignor: null, topicPartitions: null, tagged fields
  const result = await server.dispatcher.dispatch(server.dispatcher.newConnection(), w.finish());
  if (result.kind !== "response") throw new Error(`no response: ${JSON.stringify(result)}`);
  const r = new Reader(result.frame, 4); // after the size prefix
  expect(r.int32()).toBe(correlation);
  r.uvarint(); // response header v1 tagged fields
  r.int32(); // throttle
  const errorCode = r.int16();
  r.compactNullableString();
  const out: Heartbeat = {
    errorCode,
    memberId: r.compactNullableString(),
    memberEpoch: r.int32(),
    heartbeatIntervalMs: r.int32(),
    partitions: null,
  };
  if (r.int8() === 1) {
    out.partitions = [];
    for (let n = r.uvarint() - 1; n > 0; n--) {
      r.uuid();
      for (let k = r.uvarint() - 1; k > 0; k--) out.partitions.push(r.int32());
      r.uvarint();
    }
    r.uvarint();
  }
  r.uvarint();
  expect(r.remaining).toBe(0);
  return out;
}

/** ConsumerGroupDescribe v0: per group its error, state, assignor and members with their assigned partitions. */
async function describeGroups(ids: string[]) {
  const w = new Writer();
  w.int16(69).int16(0).int32(++correlation).nullableString("cg-test").uvarint(0);
  w.uvarint(ids.length + 1);
  for (const id of ids) w.compactNullableString(id);
  w.bool(false).uvarint(0);
  const result = await server.dispatcher.dispatch(server.dispatcher.newConnection(), w.finish());
  if (result.kind !== "response") throw new Error("no response");
  const r = new Reader(result.frame, 4);
  r.int32();
  r.uvarint();
  r.int32();
  const assignment = () => {
    const parts: string[] = [];
    for (let n = r.uvarint() - 1; n > 0; n--) {
      r.uuid();
      const topic = r.compactNullableString();
      for (let k = r.uvarint() - 1; k > 0; k--) parts.push(`${topic}/${r.int32()}`);
      r.uvarint();
    }
    r.uvarint();
    return parts;
  };
  const groups = [];
  for (let g = r.uvarint() - 1; g > 0; g--) {
    const group = {
      errorCode: r.int16(),
      errorMessage: r.compactNullableString(),
      groupId: r.compactNullableString(),
      state: r.compactNullableString(),
      groupEpoch: r.int32(),
      assignmentEpoch: r.int32(),
      assignor: r.compactNullableString(),
      members: [] as Array<{ memberId: string | null; epoch: number; topics: string[]; assigned: string[]; target: string[] }>,
    };
    for (let m = r.uvarint() - 1; m > 0; m--) {
      const memberId = r.compactNullableString();
      r.compactNullableString();
      r.compactNullableString();
      const epoch = r.int32();
      r.compactNullableString();
      r.compactNullableString();
      const topics: string[] = [];
      for (let t = r.uvarint() - 1; t > 0; t--) topics.push(r.compactNullableString()!);
      r.compactNullableString();
      const assigned = assignment();
      const target = assignment();
      r.uvarint();
      group.members.push({ memberId, epoch, topics, assigned, target });
    }
    r.int32();
    r.uvarint();
    groups.push(group);
  }
  r.uvarint();
  expect(r.remaining).toBe(0);
  return groups;
}

describe("ConsumerGroupHeartbeat", () => {
  it("assigns from the server-side assignor, moves partitions at heartbeats, fences stale epochs and frees partitions on leave", async () => {
    const a = await heartbeat(0, "", 0, ["kip848"]);
    expect(a).toMatchObject({ errorCode: 0, heartbeatIntervalMs: 3_000, partitions: [0, 1, 2, 3] });
    expect(a.memberId).toMatch(/^[A-Za-z0-9_-]+$/); // v0: the broker names the member
    const b = await heartbeat(1, "member-b", 0, ["kip848"]); // v1: the client does
    expect(b.memberId).toBe("member-b");
    let ha = await heartbeat(0, a.memberId!, a.memberEpoch, null);
    const hb = await heartbeat(1, "member-b", b.memberEpoch, null);
    ha = await heartbeat(0, a.memberId!, ha.memberEpoch, null);
    expect(ha.partitions!.length + hb.partitions!.length).toBe(4);
    expect(new Set([...ha.partitions!, ...hb.partitions!]).size).toBe(4);
    expect(ha.partitions).toHaveLength(2);
    const [described, missing] = await describeGroups(["kip848-group", "no-such-group"]);
    expect(described).toMatchObject({ errorCode: 0, groupId: "kip848-group", state: "Stable", assignor: "uniform" });
    expect(described!.members.map((m) => [m.memberId, m.topics, m.assigned.length, m.target.length]).sort()).toEqual(
      [
        [a.memberId, ["kip848"], 2, 2],
        ["member-b", ["kip848"], 2, 2],
      ].sort(),
    );
    expect(missing).toMatchObject({ errorCode: 69, groupId: "no-such-group" });
    // A heartbeat at an epoch the member no longer has is fenced (FENCED_MEMBER_EPOCH).
    expect((await heartbeat(0, a.memberId!, ha.memberEpoch + 5, null)).errorCode).toBe(110);
    expect((await heartbeat(0, "nobody", 3, null)).errorCode).toBe(25);
    // b leaves (epoch -1): a gets everything at its next heartbeat.
    expect((await heartbeat(1, "member-b", -1, null)).errorCode).toBe(0);
    const alone = await heartbeat(0, a.memberId!, ha.memberEpoch, null);
    expect(alone.partitions).toEqual([0, 1, 2, 3]);
    // Classic members cannot join this group.
    const classic = await broker.deps.group("kip848-group").kafkaJoin("kip848-group", {
      memberId: "",
      groupInstanceId: null,
      requireKnownMemberId: true,
      supportSkipAssignment: false,
      clientId: "c",
      clientHost: "/x",
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      protocolType: "consumer",
      protocols: [{ name: "range", metadata: new Uint8Array(0) }],
      topics: [],
    });
    expect(classic.error).toBe("INCONSISTENT_GROUP_PROTOCOL");
  });
});
