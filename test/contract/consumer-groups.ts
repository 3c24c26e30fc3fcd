// Consumer groups in the HTTP API contract, on every host: join, poll, commit, describe and leave,
// as README.md shows them, and a commit at a stale epoch refused.
import { describe, expect, it } from "vitest";
import type { ContractContext } from "./contract-support.ts";

export function consumerGroupSuite(t: ContractContext): void {
  const { call, json, createTopic, produce } = t;

  describe("consumer groups", () => {
    it("join, poll, commit, describe, leave (README.md)", async (ctx) => {
      const topic = await createTopic(2);
      await produce(topic, [
        { value: "g0", partition: 0 },
        { value: "g1", partition: 1 },
      ]);
      const group = `g-${Date.now().toString(36)}-${t.counter()}`;
      const joined = await json(`/v1/groups/${group}/members`, "POST", {
        topics: [topic],
        session_timeout_ms: 30000,
        auto_offset_reset: "earliest",
      });
      // Hosts built before consumer groups have no such route: nothing to check there yet.
      if (joined.status === 404 && ((await joined.clone().json()) as any).error?.code === "not_found") ctx.skip();
      expect(joined.status, await joined.clone().text()).toBe(200);
      const member = (await joined.json()) as any;
      expect(typeof member.member_id).toBe("string");
      expect(member.assignment).toEqual([{ topic, partitions: [0, 1] }]);
      const seen: any[] = [];
      let epoch = member.member_epoch;
      for (let i = 0; i < 5 && seen.length < 2; i++) {
        const res = await json(`/v1/groups/${group}/members/${member.member_id}/poll`, "POST", {
          member_epoch: epoch,
          max_records: 10,
          wait_ms: 500,
        });
        const body = (await res.json()) as any;
        expect(res.status, JSON.stringify(body)).toBe(200);
        epoch = body.member_epoch;
        seen.push(...body.records);
      }
      expect(seen.map((r) => r.value).sort()).toEqual(["g0", "g1"]);
      const commit = await json(`/v1/groups/${group}/members/${member.member_id}/commit`, "POST", {
        member_epoch: epoch,
        offsets: [
          { topic, partition: 0, offset: 1 },
          { topic, partition: 1, offset: 1 },
        ],
      });
      expect(commit.status, await commit.clone().text()).toBe(200);
      const described = (await (await call(`/v1/groups/${group}`)).json()) as any;
      expect(described.offsets).toContainEqual(expect.objectContaining({ topic, partition: 0, offset: 1, lag: 0 }));
      const stale = await json(`/v1/groups/${group}/members/${member.member_id}/commit`, "POST", {
        member_epoch: epoch + 1,
        offsets: [{ topic, partition: 0, offset: 1 }],
      });
      expect(stale.status).toBeGreaterThanOrEqual(400);
      expect(["fenced", "stale_epoch"]).toContain(((await stale.json()) as any).error.code);
      expect((await call(`/v1/groups/${group}/members/${member.member_id}`, { method: "DELETE" })).status).toBe(204);
    });
  });
}
