// Transactions in the HTTP API contract, on every host (workerd, Node, Bun, Deno): the
// coordinator object of each host's kind ("txn" on the actor host, TxnObject on workerd), markers
// into partition objects, read_committed fetches, fencing and the error codes (docs/transactions.md).
import { describe, expect, it } from "vitest";

export interface TxnContext {
  call(path: string, init?: RequestInit): Promise<Response>;
  json(path: string, method: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  createTopic(partitions?: number): Promise<string>;
  produce(topic: string, records: unknown[]): Promise<Array<{ partition: number; offset: number }>>;
  counter(): number;
}

type Producer = { producer_id: number; producer_epoch: number };

export function transactionSuite(ctx: TxnContext): void {
  const { call, json } = ctx;
  const ok = async (res: Response) => {
    const body = (await res.json()) as any;
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body;
  };
  const ident = (r: any): Producer => ({ producer_id: r.producer_id, producer_epoch: r.producer_epoch });
  const send = (id: string, p: Producer, topic: string, partition: number, value: unknown) =>
    json(
      `/v1/topics/${topic}/records?partition=${partition}`,
      "POST",
      { records: [{ value }] },
      {
        "transactional-id": id,
        "producer-id": String(p.producer_id),
        "producer-epoch": String(p.producer_epoch),
        "producer-seq": "0",
      },
    );
  const committed = async (topic: string, partition: number) =>
    (await ok(await call(`/v1/topics/${topic}/partitions/${partition}/records?offset=0&isolation=read_committed`))).records.map(
      (r: any) => r.value,
    );

  describe("transactions", () => {
    it("commit and abort across partitions; read_committed sees exactly the committed ones; a new incarnation fences the old", async () => {
      const topic = await ctx.createTopic(2);
      const id = `ct-${Date.now().toString(36)}-${ctx.counter()}`;
      let p = ident(await ok(await json(`/v1/transactions/${id}/init`, "POST", {})));
      await ok(await send(id, p, topic, 0, "a0"));
      await ok(await send(id, p, topic, 1, "a1"));
      expect(await committed(topic, 0)).toEqual([]);
      const described = await ok(await call(`/v1/transactions/${id}`));
      expect(described).toMatchObject({ transactional_id: id, state: "Ongoing" });
      const end = await ok(await json(`/v1/transactions/${id}/commit`, "POST", p));
      expect(end).toMatchObject({ state: "CompleteCommit", producer_epoch: p.producer_epoch + 1 });
      p = ident(end);
      expect(await committed(topic, 0)).toEqual(["a0"]);
      expect(await committed(topic, 1)).toEqual(["a1"]);
      await ok(await send(id, p, topic, 0, "x0"));
      p = ident(await ok(await json(`/v1/transactions/${id}/abort`, "POST", p)));
      await ok(await send(id, p, topic, 0, "open"));
      // A new incarnation: the old one's open transaction is aborted, the old producer refused.
      const fresh = ident(await ok(await json(`/v1/transactions/${id}/init`, "POST", {})));
      expect(fresh.producer_epoch).toBeGreaterThan(p.producer_epoch);
      const fenced = await send(id, p, topic, 1, "zombie");
      expect(fenced.status).toBe(409);
      expect(((await fenced.json()) as any).error.code).toBe("producer_fenced");
      expect(await committed(topic, 0)).toEqual(["a0"]);
      const plain = (await ok(await call(`/v1/topics/${topic}/partitions/0/records?offset=0`))).records.map((r: any) => r.value);
      expect(plain).toEqual(["a0", "x0", "open"]);
      const list = await ok(await call("/v1/transactions"));
      expect(list.transactions).toContainEqual({
        transactional_id: id,
        producer_id: fresh.producer_id,
        producer_epoch: fresh.producer_epoch,
        state: "CompleteAbort",
      });
      const bad = await json(`/v1/transactions/${id}/commit`, "POST", fresh);
      expect(bad.status).toBe(409);
      expect(((await bad.json()) as any).error.code).toBe("invalid_txn_state");
    });
  });
}
