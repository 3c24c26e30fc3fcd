// Hardening checks of the HTTP API contract (issue #14), on every host: what an unauthenticated or
// quota-bound caller can make the broker spend — storage for invented key ids, bytes past a quota
// through bodies without a Content-Length — and how a full disk and revoked keys are answered.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TailContext } from "./tails.ts";

/** Files and bytes under the host's storage directory (every object's SQLite files). */
function storageUse(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        files++;
        bytes += statSync(path).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

const hex = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0")).join("");
const secret = () => hex(16);

export function hardeningSuite(t: TailContext): void {
  describe("hardening", () => {
    it("bearer tokens with invented key ids are refused without creating any storage", async () => {
      const dir = t.target().storageDir;
      // A remote broker: its storage cannot be seen from here. workerd run locally creates an empty
      // database file for every Durable Object it instantiates, written to or not; there the check
      // is that the object holds no tables and no more bytes than a never-used one
      // (test/workers/key-storage.test.ts), which is what Cloudflare bills.
      if (!dir || t.target().name === "workerd") return;
      // Warm up: the cluster object and the host's own files exist before we count.
      expect((await t.call("/v1/topics")).status).toBe(200);
      const before = storageUse(dir);
      const routes = ["/v1/topics", "/v1/topics/nope/partitions/0/records?offset=0", "/v1/keys", "/ds/some/stream"];
      for (let i = 0; i < 60; i++) {
        const res = await t.call(routes[i % routes.length]!, { headers: { authorization: `Bearer ebk_${hex(8)}_${secret()}` } });
        expect(res.status).toBe(401);
        await res.body?.cancel();
      }
      expect(storageUse(dir)).toEqual(before);
    });
  });
}
