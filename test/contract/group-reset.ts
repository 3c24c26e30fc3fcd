// Group offset resets on every host (issue #14, item 18), as kafka-consumer-groups
// --reset-offsets behaves: a group that does not exist is a 404 (it used to be created), offsets
// outside the log are clamped to [log start, log end] and the answer says so per partition (an
// offset past the end used to be stored: lag showed 0 and records produced later were skipped),
// and a dry run answers the plan without storing it.
import { describe, expect, it } from "vitest";
import type { TailContext } from "./tails.ts";

export function groupResetSuite(t: TailContext & { counter(): number }): void {
  const reset = (group: string, body: unknown) => t.json(`/v1/groups/${group}/offsets/reset`, "POST", body);
  const describeGroup = async (group: string) => (await (await t.call(`/v1/groups/${group}`)).json()) as any;

  /** A group that exists and has no active members: one member joins and leaves. */
  async function emptyGroup(topic: string): Promise<string> {
    const group = `gr-${Date.now().toString(36)}-${t.counter()}`;
    const joined = await t.json(`/v1/groups/${group}/members`, "POST", { topics: [topic], session_timeout_ms: 30000 });
    expect(joined.status, await joined.clone().text()).toBe(200);
    const { member_id } = (await joined.json()) as any;
    expect((await t.call(`/v1/groups/${group}/members/${member_id}`, { method: "DELETE" })).status).toBe(204);
    return group;
  }

  describe("group offset reset", () => {
    it("refuses a group that does not exist with 404 group_not_found, for every form, and creates nothing", async () => {
      const topic = await t.createTopic(1);
      const group = `gr-none-${Date.now().toString(36)}-${t.counter()}`;
      for (const body of [
        { topics: [topic], to: "earliest" },
        { topics: [topic], to: "latest", force: true },
        { offsets: [{ topic, partition: 0, offset: 0 }] },
        { offsets: [{ topic, partition: 0, offset: 0 }], dry_run: true },
      ]) {
        const res = await reset(group, body);
        expect(res.status, await res.clone().text()).toBe(404);
        expect(((await res.json()) as any).error.code).toBe("group_not_found");
      }
      expect((await t.call(`/v1/groups/${group}`)).status).toBe(404);
    });

    it("clamps offsets to [log start, log end] and names each clamp; later records are not skipped", async () => {
      const topic = await t.createTopic(2);
      await t.produce(
        topic,
        [0, 1, 2, 3, 4].map((value) => ({ value, partition: 0 })),
      );
      const group = await emptyGroup(topic);
      const res = await reset(group, {
        offsets: [
          { topic, partition: 0, offset: 1_000_000 },
          { topic, partition: 1, offset: 7 },
        ],
      });
      const body = (await res.json()) as any;
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.dry_run).toBe(false);
      expect(body.offsets).toEqual([
        {
          topic,
          partition: 0,
          offset: 5,
          previous_offset: null,
          requested_offset: 1_000_000,
          log_start_offset: 0,
          log_end_offset: 5,
          clamped: "log_end",
        },
        {
          topic,
          partition: 1,
          offset: 0,
          previous_offset: null,
          requested_offset: 7,
          log_start_offset: 0,
          log_end_offset: 0,
          clamped: "log_end",
        },
      ]);
      await t.produce(topic, [{ value: "later", partition: 0 }]);
      const lag = (await describeGroup(group)).offsets.find((o: any) => o.partition === 0);
      expect(lag).toMatchObject({ offset: 5, high_watermark: 6, lag: 1 });

      // Below the log start (records deleted): moved up to the first offset still stored.
      expect((await t.json(`/v1/topics/${topic}/partitions/0/delete-records`, "POST", { before_offset: 3 })).status).toBe(200);
      const low = (await (await reset(group, { offsets: [{ topic, partition: 0, offset: 1 }] })).json()) as any;
      expect(low.offsets).toEqual([
        {
          topic,
          partition: 0,
          offset: 3,
          previous_offset: 5,
          requested_offset: 1,
          log_start_offset: 3,
          log_end_offset: 6,
          clamped: "log_start",
        },
      ]);
      const inside = (await (await reset(group, { offsets: [{ topic, partition: 0, offset: 4 }] })).json()) as any;
      expect(inside.offsets[0]).toMatchObject({ offset: 4, previous_offset: 3, requested_offset: 4, clamped: null });
    });

    it("dry_run answers the new offsets and stores nothing; it is refused with active members like the real reset", async () => {
      const topic = await t.createTopic(1);
      await t.produce(
        topic,
        [1, 2, 3].map((value) => ({ value })),
      );
      const group = await emptyGroup(topic);
      expect((await reset(group, { topics: [topic], to: "latest" })).status).toBe(200);
      const plan = (await (await reset(group, { topics: [topic], to: "earliest", dry_run: true })).json()) as any;
      expect(plan).toMatchObject({ group, dry_run: true, offsets: [{ topic, partition: 0, offset: 0, previous_offset: 3 }] });
      expect((await describeGroup(group)).offsets).toMatchObject([{ partition: 0, offset: 3 }]);
      expect((await reset(group, { topics: [topic], to: "earliest", dry_run: "yes" })).status).toBe(400);

      const joined = (await (
        await t.json(`/v1/groups/${group}/members`, "POST", { topics: [topic], session_timeout_ms: 30000 })
      ).json()) as any;
      const busy = await reset(group, { topics: [topic], to: "earliest", dry_run: true });
      expect(busy.status).toBe(409);
      const error = ((await busy.json()) as any).error;
      expect(error.code).toBe("group_not_empty");
      expect(error.members).toBe(1);
      expect((await t.call(`/v1/groups/${group}/members/${joined.member_id}`, { method: "DELETE" })).status).toBe(204);
    });
  });
}
