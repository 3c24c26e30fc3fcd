// Long-poll fetches in the HTTP API contract, on every host: empty at the deadline, answered as
// soon as a record is committed, and no hold on other partitions or producers meanwhile.
import { describe, expect, it } from "vitest";
import type { ContractContext } from "./contract-support.ts";

export function longPollSuite(t: ContractContext): void {
  const { createTopic, produce, fetchPage } = t;

  describe("long-poll", () => {
    it("answers empty at the deadline when nothing arrives", async () => {
      const topic = await createTopic();
      const started = Date.now();
      const page = await fetchPage(topic, 0, "offset=0&wait_ms=400");
      expect(page.records).toEqual([]);
      expect(page.next_offset).toBe(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    });

    it("answers as soon as a record is committed", async () => {
      const topic = await createTopic();
      const waiting = fetchPage(topic, 0, "offset=0&wait_ms=20000");
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      await produce(topic, [{ value: "wake" }]);
      const page = await waiting;
      expect(page.records.map((r: any) => r.value)).toEqual(["wake"]);
      expect(Date.now() - t0).toBeLessThan(5_000);
    });

    it("does not hold up other partitions or producers while waiting", async () => {
      const topic = await createTopic(2);
      const waiting = fetchPage(topic, 0, "offset=0&wait_ms=3000");
      const t0 = Date.now();
      await produce(topic, [{ value: 1, partition: 1 }]);
      expect((await fetchPage(topic, 1)).records).toHaveLength(1);
      expect(Date.now() - t0).toBeLessThan(2_000);
      await produce(topic, [{ value: 2, partition: 0 }]);
      expect((await waiting).records.map((r: any) => r.value)).toEqual([2]);
    });
  });
}
