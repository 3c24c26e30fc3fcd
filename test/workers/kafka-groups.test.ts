// Kafka's classic group protocol inside workerd, through the real GroupObject Durable Object:
// JoinGroup RPCs wait in the object (other calls are served meanwhile) until the object's own
// alarm ends the initial join delay; the leader's SyncGroup answers the waiting followers; offsets
// committed by generation land in the table the HTTP route describes, with lag; the object comes
// back from storage after eviction at its generation; HTTP members are refused while Kafka
// members are in the group.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ClassicJoinRequest, ClassicJoinResult } from "../../src/core/groups/classic-types.ts";
import { createTopic, expectError, json, produce, testEnv } from "./api-support.ts";
import { describeGroup, newGroup } from "./groups-support.ts";

const stub = (group: string) => testEnv.GROUP.get(testEnv.GROUP.idFromName(group));

const joinReq = (memberId: string, topic: string): ClassicJoinRequest => ({
  memberId,
  groupInstanceId: null,
  requireKnownMemberId: true,
  supportSkipAssignment: false,
  clientId: "workerd-test",
  clientHost: "/test",
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 10_000,
  protocolType: "consumer",
  protocols: [{ name: "range", metadata: new Uint8Array([1]) }],
  topics: [topic],
});

async function memberId(group: string, topic: string): Promise<string> {
  const r = await stub(group).kafkaJoin(group, joinReq("", topic));
  expect(r.error).toBe("MEMBER_ID_REQUIRED");
  return r.memberId;
}

describe("Kafka classic groups in the group Durable Object", () => {
  it("holds JoinGroup until the alarm ends the join phase, serves other calls meanwhile, and fans out the leader's SyncGroup", async () => {
    const topic = await createTopic(2);
    await produce(topic, [
      { value: "a", partition: 0 },
      { value: "b", partition: 0 },
      { value: "c", partition: 1 },
    ]);
    const group = newGroup();
    const [a, b] = [await memberId(group, topic), await memberId(group, topic)];
    let settled = 0;
    const joins = [stub(group).kafkaJoin(group, joinReq(a, topic)), stub(group).kafkaJoin(group, joinReq(b, topic))].map((p) =>
      p.then((r) => (settled++, r)),
    );
    // While both joins wait, the object answers: the group is preparing its first rebalance.
    const preparing = await stub(group).kafkaDescribe(group);
    expect(preparing).toMatchObject({ state: "PreparingRebalance", generationId: 0 });
    expect(settled).toBe(0);
    const [ja, jb] = (await Promise.all(joins)) as unknown as [ClassicJoinResult, ClassicJoinResult];
    expect(ja).toMatchObject({ error: null, generationId: 1, leader: a, protocolName: "range" });
    expect(ja.members.map((m) => m.memberId)).toEqual([a, b]);
    expect(jb).toMatchObject({ error: null, generationId: 1, leader: a, members: [] });

    const follower = stub(group).kafkaSync(group, {
      memberId: b,
      groupInstanceId: null,
      generationId: 1,
      protocolType: "consumer",
      protocolName: "range",
      assignments: [],
    });
    const leader = await stub(group).kafkaSync(group, {
      memberId: a,
      groupInstanceId: null,
      generationId: 1,
      protocolType: "consumer",
      protocolName: "range",
      assignments: [
        { memberId: a, assignment: new Uint8Array([0]), partitions: [{ topic, partitions: [0] }] },
        { memberId: b, assignment: new Uint8Array([1]), partitions: [{ topic, partitions: [1] }] },
      ],
    });
    expect(leader).toMatchObject({ error: null, assignment: new Uint8Array([0]) });
    expect(await follower).toMatchObject({ error: null, assignment: new Uint8Array([1]) });

    const commit = (id: string, generationId: number, partition: number, offset: number) =>
      stub(group).kafkaCommit(group, {
        memberId: id,
        groupInstanceId: null,
        generationId,
        offsets: [{ topic, partition, offset, metadata: null, topicEpoch: 1 }],
      });
    expect((await commit(a, 0, 0, 1)).error).toBe("ILLEGAL_GENERATION");
    expect((await commit(a, 1, 0, 1)).error).toBeNull();
    // GET /v1/groups/{group}: the Kafka members with their partitions, the offsets with lag.
    const d = await describeGroup(group);
    expect(d).toMatchObject({ state: "stable", classic: { state: "Stable", generation_id: 1, leader: a } });
    expect(d.members.map((m: any) => [m.member_id, m.protocol, m.assignment])).toEqual([
      [a, "kafka-classic", [{ topic, partitions: [0] }]],
      [b, "kafka-classic", [{ topic, partitions: [1] }]],
    ]);
    expect(d.offsets.map((o: any) => [o.partition, o.offset, o.lag])).toEqual([[0, 1, 1]]);
    await expectError(await json(`/v1/groups/${group}/members`, "POST", { topics: [topic] }), 409, "inconsistent_group_protocol");

    // Evicted, the object comes back from storage at the same generation: b's heartbeat still counts.
    await evictDurableObject(stub(group));
    expect((await stub(group).kafkaHeartbeat(group, { memberId: b, groupInstanceId: null, generationId: 1 })).error).toBeNull();
    expect(
      (
        await stub(group).kafkaLeave(group, {
          members: [
            { memberId: a, groupInstanceId: null },
            { memberId: b, groupInstanceId: null },
          ],
        })
      ).members.map((m) => m.error),
    ).toEqual([null, null]);
    expect((await stub(group).kafkaDescribe(group))!.state).toBe("Empty");
  });
});
