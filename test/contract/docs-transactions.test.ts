// docs/transactions.md's exactly-once consume-transform-produce example, run as it stands: the
// block after `<!-- example: exactly-once -->` is saved as a .mjs file inside the package (so
// "edgebroker/client" resolves to the built dist/client, as in a user's project) and run with
// Node against a standalone server. Then the outputs are read with read_committed.
import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type Target } from "./hosts-support.ts";

const run = promisify(execFile);
const ROOT = new URL("../../", import.meta.url).pathname;
const SCRIPT = join(ROOT, "test/contract/.docs-exactly-once.mjs");

let target: Target;
beforeAll(async () => {
  await run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.client.json"], { cwd: ROOT });
  target = await startRuntime("node");
});
afterAll(async () => {
  rmSync(SCRIPT, { force: true });
  await target?.stop();
});

function example(): string {
  const doc = readFileSync(join(ROOT, "docs/transactions.md"), "utf8");
  const at = doc.indexOf("<!-- example: exactly-once -->");
  const block = /```js\n([\s\S]*?)```/.exec(doc.slice(at));
  if (at < 0 || !block) throw new Error("docs/transactions.md: the exactly-once example is missing");
  return block[1]!;
}

describe("docs/transactions.md", () => {
  it("the exactly-once consume-transform-produce example runs as pasted and writes each order's records once", async () => {
    writeFileSync(SCRIPT, example());
    const env = { ...process.env, EDGEBROKER_URL: target.url, EDGEBROKER_TOKEN: target.token };
    const { stdout } = await run(process.execPath, [SCRIPT], { cwd: ROOT, env, timeout: 60_000 });
    expect(stdout).toContain("processed 5 orders");
    const auth = { authorization: `Bearer ${target.token}` };
    for (const topic of ["shipments", "invoices"]) {
      const orders: number[] = [];
      for (const p of [0, 1]) {
        const res = await fetch(`${target.url}/v1/topics/${topic}/partitions/${p}/records?offset=0&isolation=read_committed`, {
          headers: auth,
        });
        orders.push(...((await res.json()) as { records: Array<{ value: { order: number } }> }).records.map((r) => r.value.order));
      }
      expect(orders.sort()).toEqual([1, 2, 3, 4, 5]);
    }
    const group = (await (await fetch(`${target.url}/v1/groups/billing`, { headers: auth })).json()) as {
      offsets: Array<{ offset: number }>;
    };
    expect(group.offsets.reduce((n, o) => n + o.offset, 0)).toBe(5);
  }, 90_000);
});
