// Bad input to the consumer-group routes: each case a clear 4xx with its exact code, and the
// group's state unchanged.
import { describe, expect, it } from "vitest";
import { call, createTopic, expectError, json } from "./api-support.ts";
import { commit, describeGroup, join, newGroup, pollRaw } from "./groups-support.ts";

describe("consumer groups: bad input", () => {
  it("refuses malformed names, ids and bodies", async () => {
    const topic = await createTopic(1);
    const group = newGroup();
    await expectError(await json(`/v1/groups/bad%20name/members`, "POST", { topics: [topic] }), 400, "invalid_group_name");
    await expectError(
      await json(`/v1/groups/${group}/members`, "POST", { topics: [topic], member_id: "not ok!" }),
      400,
      "invalid_member_id",
    );
    await expectError(await json(`/v1/groups/${group}/members`, "POST", {}), 400, "invalid_parameter");
    await expectError(await json(`/v1/groups/${group}/members`, "POST", { topics: [topic], auto_comit: false }), 400, "bad_request");
    await expectError(
      await json(`/v1/groups/${group}/members`, "POST", { topics: [topic], auto_offset_reset: "newest" }),
      400,
      "invalid_parameter",
    );
    await expectError(
      await json(`/v1/groups/${group}/members`, "POST", { topics: [topic], session_timeout_ms: 10 }),
      400,
      "invalid_parameter",
    );
    await expectError(
      await json(`/v1/groups/${group}/members`, "POST", { topics: [topic], assignor: "roundrobin" }),
      400,
      "invalid_parameter",
    );
    await expectError(await json(`/v1/groups/${group}/members`, "POST", { pattern: "([" }), 400, "invalid_parameter");
    await expectError(await json(`/v1/groups/${group}/members`, "POST", { topics: [topic], pattern: "x" }), 400, "invalid_parameter");
    await expectError(
      await call(`/v1/groups/${group}/members`, { method: "POST", body: "{", headers: { "content-type": "application/json" } }),
      400,
      "invalid_json",
    );
    await expectError(await json(`/v1/groups/${group}/members`, "POST", { topics: ["no-such-topic-here"] }), 404, "topic_not_found");
    // None of that created the group.
    await expectError(await call(`/v1/groups/${group}`), 404, "group_not_found");
  });

  it("answers unknown groups and members with 404s", async () => {
    const topic = await createTopic(1);
    const group = newGroup();
    await expectError(await pollRaw(group, "someone", { member_epoch: 1 }), 404, "group_not_found");
    await expectError(await call(`/v1/groups/${group}/members/someone`, { method: "DELETE" }), 404, "group_not_found");
    await expectError(await call(`/v1/groups/${group}`, { method: "DELETE" }), 404, "group_not_found");
    const a = await join(group, { topics: [topic] });
    await expectError(await pollRaw(group, "someone", { member_epoch: 1 }), 404, "unknown_member");
    await expectError(await pollRaw(group, "bad.id", { member_epoch: 1 }), 400, "invalid_member_id");
    await expectError(await pollRaw(group, a.member_id, {}), 400, "invalid_parameter");
    await expectError(await pollRaw(group, a.member_id, { member_epoch: a.member_epoch, max_records: 0 }), 400, "invalid_parameter");
    await expectError(await pollRaw(group, a.member_id, { member_epoch: a.member_epoch, wait_ms: 10_000_000 }), 400, "invalid_parameter");
    const stale = await expectError(await pollRaw(group, a.member_id, { member_epoch: a.member_epoch + 7 }), 409, "stale_epoch");
    expect(stale.member_epoch).toBe(a.member_epoch);
    await expectError(await call(`/v1/groups/${group}/members/someone`, { method: "DELETE" }), 404, "unknown_member");
  });

  it("refuses commits for partitions that do not exist or are not owned, changing nothing", async () => {
    const topic = await createTopic(2);
    const group = newGroup();
    const a = await join(group, { topics: [topic], member_id: "solo" });
    await expectError(await commit(group, "solo", a.member_epoch, [{ topic, partition: 2, offset: 0 }]), 404, "partition_not_found");
    await expectError(
      await commit(group, "solo", a.member_epoch, [{ topic: "no-such-topic-here", partition: 0, offset: 0 }]),
      404,
      "topic_not_found",
    );
    await expectError(await commit(group, "solo", a.member_epoch, [{ topic, partition: 0, offset: -1 }]), 400, "invalid_parameter");
    await expectError(await commit(group, "solo", a.member_epoch, []), 400, "invalid_parameter");
    await expectError(
      await commit(group, "solo", a.member_epoch, [
        { topic, partition: 0, offset: 1 },
        { topic, partition: 0, offset: 2 },
      ]),
      400,
      "invalid_parameter",
    );
    await expectError(
      await commit(group, "solo", a.member_epoch, [{ topic, partition: 0, offset: 1, metadata: 5 }]),
      400,
      "invalid_parameter",
    );
    // A second topic the member does not own: fenced, and nothing of the request is committed.
    const other = await createTopic(1);
    await expectError(
      await commit(group, "solo", a.member_epoch, [
        { topic, partition: 0, offset: 1 },
        { topic: other, partition: 0, offset: 1 },
      ]),
      409,
      "fenced",
    );
    expect((await describeGroup(group)).offsets).toEqual([]);
    await expectError(await commit(group, "solo", a.member_epoch - 1, [{ topic, partition: 0, offset: 1 }]), 409, "stale_epoch");
    expect((await describeGroup(group)).offsets).toEqual([]);
  });

  it("refuses a different assignor while members are in the group, and bad resets", async () => {
    const topic = await createTopic(1);
    const group = newGroup();
    await join(group, { topics: [topic], assignor: "range" });
    await expectError(
      await json(`/v1/groups/${group}/members`, "POST", { topics: [topic], assignor: "uniform" }),
      409,
      "inconsistent_assignor",
    );
    await expectError(await json(`/v1/groups/${group}/offsets/reset`, "POST", { topics: [topic] }), 400, "invalid_parameter");
    await expectError(
      await json(`/v1/groups/${group}/offsets/reset`, "POST", { offsets: [{ topic, partition: 3, offset: 0 }], force: true }),
      404,
      "partition_not_found",
    );
    await expectError(
      await json(`/v1/groups/${group}/offsets/reset`, "POST", { topics: ["no-such-topic-here"], to: "earliest", force: true }),
      404,
      "topic_not_found",
    );
    expect((await describeGroup(group)).members).toHaveLength(1);
  });
});
