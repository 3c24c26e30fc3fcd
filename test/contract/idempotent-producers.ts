// Idempotent producers in the HTTP API contract, on every host: a retry is answered with the
// original offsets, a gap in sequence numbers is refused, and an older epoch is fenced.
import { describe, expect, it } from "vitest";
import type { ContractContext } from "./contract-support.ts";

export function idempotentProducerSuite(t: ContractContext): void {
  const { json, expectError, createTopic, fetchPage } = t;

  describe("idempotent producers", () => {
    const init = async (name?: string) => {
      const res = await json("/v1/producers", "POST", name === undefined ? {} : { name });
      expect(res.status).toBe(200);
      return (await res.json()) as { producer_id: number; producer_epoch: number };
    };
    const sendAs = (topic: string, p: { producer_id: number; producer_epoch: number }, seq: number, values: unknown[]) =>
      json(
        `/v1/topics/${topic}/records?partition=0`,
        "POST",
        { records: values.map((value) => ({ value })) },
        {
          "producer-id": String(p.producer_id),
          "producer-epoch": String(p.producer_epoch),
          "producer-seq": String(seq),
        },
      );

    it("answers a retry with the original offsets, refuses gaps and fences old epochs", async () => {
      const topic = await createTopic();
      const name = `device-${Date.now().toString(36)}-${t.counter()}`;
      const p = await init(name);
      expect(await (await sendAs(topic, p, 0, ["a", "b"])).json()).toEqual({
        offsets: [
          { partition: 0, offset: 0 },
          { partition: 0, offset: 1 },
        ],
      });
      expect(await (await sendAs(topic, p, 0, ["a", "b"])).json()).toEqual({
        offsets: [
          { partition: 0, offset: 0 },
          { partition: 0, offset: 1 },
        ],
        duplicate: true,
      });
      await expectError(await sendAs(topic, p, 7, ["gap"]), 409, "out_of_order_sequence");
      const next = await init(name);
      expect(next).toEqual({ producer_id: p.producer_id, producer_epoch: p.producer_epoch + 1 });
      expect((await sendAs(topic, next, 0, ["c"])).status).toBe(200);
      await expectError(await sendAs(topic, p, 2, ["stale"]), [403, 409], "producer_fenced");
      expect((await fetchPage(topic, 0)).records.map((r: any) => r.value)).toEqual(["a", "b", "c"]);
    });
  });
}
