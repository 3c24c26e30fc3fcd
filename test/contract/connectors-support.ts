// Helpers for the connector tests on every host: admin calls, waiting for a sink to catch up, and
// the at-least-once check over what a receiver got.
import { expect } from "vitest";
import { BENCH_TOKEN } from "../../bench/lib/servers.ts";
import type { Received } from "../../bench/lib/sink-receiver.ts";

export function admin(url: string) {
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${BENCH_TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return {
    call,
    async topic(name: string, partitions: number) {
      expect((await call("POST", "/v1/topics", { name, partitions })).status).toBe(201);
    },
    async produce(topic: string, records: unknown[]) {
      const r = await call("POST", `/v1/topics/${topic}/records`, { records });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    },
    async connector(name: string, config: Record<string, unknown>) {
      const r = await call("POST", "/v1/connectors", { name, config });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    },
    status: async (name: string) => (await call("GET", `/v1/connectors/${name}/status`)).body,
    records: async (topic: string, partition: number) =>
      (await call("GET", `/v1/topics/${topic}/partitions/${partition}/records?offset=0&max_records=10000`)).body.records as any[],
  };
}

/** Waits until `check` holds, asking every 100 ms (a readiness wait, not a timing assertion). */
export async function until<T>(check: () => Promise<T | undefined | false>, what: string, limitMs = 60_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * At least once, duplicates detectable: every (partition, offset) the receiver acknowledged is in
 * exactly one idempotency key, every copy sent under a key holds the same records, and the union
 * is every produced record. Answers the distinct batches.
 */
export function checkAtLeastOnce(received: Received[], expected: Map<string, unknown>): Map<string, Received> {
  const byKey = new Map<string, Received>();
  const keyOf = new Map<string, string>();
  for (const r of received) {
    const first = byKey.get(r.key);
    if (first) expect(r.records, `copies of batch ${r.key}`).toEqual(first.records);
    else byKey.set(r.key, r);
    for (const rec of r.records) {
      const at = `${rec.partition}/${rec.offset}`;
      const other = keyOf.get(at);
      if (other !== undefined) expect(other, `offset ${at} in two batches`).toBe(r.key);
      keyOf.set(at, r.key);
    }
  }
  const delivered = new Map<string, unknown>();
  for (const r of received.filter((x) => x.status >= 200 && x.status < 300))
    for (const rec of r.records) delivered.set(`${rec.partition}/${rec.offset}`, rec.value);
  expect(delivered).toEqual(expected);
  return byKey;
}
