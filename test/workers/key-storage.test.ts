// Regression (issue #14, item 3): a bearer token naming an invented key id reached that id's key
// object, whose constructor created the api_key table — every 401 left a new Durable Object with
// storage behind (200 requests: 6.4 MB). The key object now writes only when a key is created, so
// an invented id's object holds no tables and its database is as small as a never-used one.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, json, testEnv } from "./api-support.ts";

const run = runInDurableObject as unknown as (stub: unknown, fn: (instance: unknown, state: DurableObjectState) => unknown) => Promise<any>;
const hex = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0")).join("");

function storageOf(id: string): Promise<{ tables: number; size: number }> {
  return run(testEnv.KEY.get(testEnv.KEY.idFromName(id)), (_, state) => ({
    tables: state.storage.sql.exec("SELECT count(*) AS n FROM sqlite_master").one().n as number,
    size: state.storage.sql.databaseSize,
  }));
}

describe("key objects of unknown key ids", () => {
  it("cost no storage: no table, and a database the size of a never-used one", async () => {
    const blank = await storageOf(`never-used-${hex(8)}`);
    expect(blank.tables).toBe(0);
    const ids: string[] = [];
    const routes = ["/v1/topics", "/v1/topics/x/records", "/v1/keys", "/ds/a/stream"];
    for (let i = 0; i < 40; i++) {
      const id = hex(8);
      ids.push(id);
      const res = await call(routes[i % routes.length]!, {
        method: i % 2 ? "POST" : "GET",
        headers: { authorization: `Bearer ebk_${id}_${hex(16)}` },
      });
      expect(res.status).toBe(401);
      await res.body?.cancel();
    }
    for (const id of ids) expect(await storageOf(id)).toEqual(blank);
  });

  it("a created key's object does have its table (the check above can fail)", async () => {
    const created = await json("/v1/keys", "POST", { name: `storage-${hex(4)}`, grants: [{ operation: "consume", resource: "topic:x" }] });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { id: string };
    const used = await storageOf(key.id);
    expect(used.tables).toBeGreaterThan(0);
  });
});
