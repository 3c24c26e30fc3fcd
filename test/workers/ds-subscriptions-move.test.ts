// Durable Streams subscriptions moved out of the partition object "__ds_subscriptions/0" into an
// object kind of their own (SUBSCRIPTIONS, src/worker/subscriptions-object.ts): a deployment
// upgraded with subscriptions and a signing key in the old object finds both in the new object on
// its first call, and the old object's storage is gone afterwards.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SubConfig, SubResult } from "../../src/core/streams/subscriptions.ts";
import { SUBSCRIPTIONS_OBJECT } from "../../src/core/streams/subscriptions.ts";
import { testEnv } from "./api-support.ts";

const legacy = () => testEnv.PARTITION.get(testEnv.PARTITION.idFromName(`${SUBSCRIPTIONS_OBJECT}/0`));
const oldCall = async (call: object) => (await legacy().ds({ op: "sub", call } as never)) as SubResult;
let counter = 0;
const fresh = () => testEnv.SUBSCRIPTIONS.get(testEnv.SUBSCRIPTIONS.idFromName(`move-test-${Date.now()}-${counter++}`));

const config: SubConfig = {
  type: "pull-wake",
  pattern: "orders/*",
  streams: ["orders/a"],
  webhookUrl: null,
  wakeStream: "wakes",
  leaseTtlMs: 30_000,
  description: "made before subscriptions had their own object",
};

describe("subscriptions object: the move from the old partition object", () => {
  it("imports every subscription and the signing key on its first call, then the old object's storage is deleted", async () => {
    // What an older version wrote (the same state machine, then served by the partition object).
    expect((await oldCall({ action: "put", root: "legacy", id: "s1", config })).ok).toBe(true);
    expect((await oldCall({ action: "put", root: "legacy", id: "s2", config: { ...config, pattern: null } })).ok).toBe(true);
    const oldKey = await oldCall({ action: "signing-key" });
    expect(oldKey.ok && oldKey.key?.kid).toMatch(/^ds_/);

    const subs = fresh();
    const got = await subs.handle({ action: "get", root: "legacy", id: "s1" });
    expect(got).toMatchObject({ ok: true, sub: { root: "legacy", id: "s1", type: "pull-wake", pattern: "orders/*" } });
    expect(await subs.handle({ action: "get", root: "legacy", id: "s2" })).toMatchObject({ ok: true, sub: { pattern: null } });
    // Webhook receivers keep verifying with the key they already know.
    const key = await subs.handle({ action: "signing-key" });
    expect(key.ok && key.key).toEqual(oldKey.ok && oldKey.key);
    // The old object gave up its storage: no table is left in it.
    const tables = await runInDurableObject(legacy(), (_instance, state) =>
      state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ds_%'").toArray(),
    );
    expect(tables).toEqual([]);
    // Done once: a subscription deleted afterwards stays deleted.
    expect((await subs.handle({ action: "delete", root: "legacy", id: "s2" })).ok).toBe(true);
    expect(await subs.handle({ action: "get", root: "legacy", id: "s2" })).toMatchObject({ ok: false, code: "SUBSCRIPTION_NOT_FOUND" });
  });

  it("starts empty when the old object held nothing", async () => {
    const subs = fresh();
    expect(await subs.handle({ action: "any" })).toEqual({ ok: true, any: false });
    expect((await subs.handle({ action: "put", root: "new", id: "s1", config })).ok).toBe(true);
    expect(await subs.handle({ action: "any" })).toEqual({ ok: true, any: true });
  });
});
