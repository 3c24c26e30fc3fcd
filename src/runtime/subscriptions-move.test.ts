// Durable Streams subscriptions on a standalone host: an upgraded data directory whose
// subscriptions and signing key sit in the old partition object "__ds_subscriptions/0" serves
// them from the subscriptions object (data/subscriptions/) after a restart, through the /ds routes,
// and the old object's file is deleted.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { PartitionApi } from "../core/log/partition-types.ts";
import { SUBSCRIPTIONS_OBJECT, type SubConfig, type SubResult } from "../core/streams/subscriptions.ts";
import { createBroker, type Broker } from "./broker.ts";
import { configFromEnv } from "./config.ts";
import { objectFile } from "./object-files.ts";
import { openNodeDatabase } from "./sqlite-node.ts";

const dirs: string[] = [];
const brokers: Broker[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(dir: string): Promise<Broker> {
  const env: Record<string, string> = { EDGEBROKER_ADMIN_TOKEN: "t", EDGEBROKER_DATA_DIR: dir };
  const broker = await createBroker(
    configFromEnv((n) => env[n]),
    openNodeDatabase,
  );
  brokers.push(broker);
  return broker;
}

const config: SubConfig = {
  type: "pull-wake",
  pattern: "orders/*",
  streams: [],
  webhookUrl: null,
  wakeStream: "wakes",
  leaseTtlMs: 30_000,
  description: "made before subscriptions had their own object",
};

describe("subscriptions object on the standalone host: the move from the old partition object", () => {
  it("serves what the old object held after an upgrade, with the same signing key, and deletes the old object's file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "subs-move-"));
    dirs.push(dir);
    // What an older version wrote: the same state machine, then in the partition object.
    const before = await start(dir);
    const old = before.host.stub<PartitionApi>("partition", `${SUBSCRIPTIONS_OBJECT}/0`);
    const put = (await old.ds({ op: "sub", call: { action: "put", root: "legacy/", id: "s1", config } })) as SubResult;
    expect(put.ok).toBe(true);
    const oldKey = (await old.ds({ op: "sub", call: { action: "signing-key" } })) as SubResult;
    await before.close();
    brokers.splice(0);
    const oldFile = objectFile(dir, "partition", `${SUBSCRIPTIONS_OBJECT}/0`);
    expect(existsSync(oldFile)).toBe(true);

    const after = await start(dir);
    const res = await after.app.request("/ds/legacy/__ds/subscriptions/s1", { headers: { authorization: "Bearer t" } });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ subscription_id: "s1", type: "pull-wake", pattern: "orders/*" });
    const key = await after.deps.subscriptions().handle({ action: "signing-key" });
    expect(key.ok && key.key).toEqual(oldKey.ok && oldKey.key);
    expect(existsSync(oldFile)).toBe(false);
    expect(readdirSync(join(dir, "subscriptions")).filter((f) => f.endsWith(".sqlite"))).toEqual(["subscriptions.sqlite"]);
  });
});
