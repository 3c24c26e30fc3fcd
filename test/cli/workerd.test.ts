// The CLI against the Worker itself (workerd via Miniflare, the bundle `wrangler deploy` ships):
// a keyed file produced and consumed back.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWorkerd, type Target } from "../contract/hosts-support.ts";
import { cliFor, jsonLines } from "./cli-support.ts";

let target: Target;
let dir: string;
beforeAll(async () => {
  target = await startWorkerd();
  dir = mkdtempSync(join(tmpdir(), "edgebroker-cli-workerd-"));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await target?.stop();
});

it("produce a file and consume it back on workerd", async () => {
  const cli = cliFor(target.url, target.token);
  expect((await cli(["topic", "create", "events", "--partitions", "3"])).code).toBe(0);
  const file = join(dir, "events.txt");
  writeFileSync(file, Array.from({ length: 500 }, (_, i) => `k${i % 7}\t${i}`).join("\n"));
  const produced = await cli(["produce", "events", "--file", file, "--key-separator", "\t"]);
  expect(produced.code, produced.stderr).toBe(0);
  const records = jsonLines((await cli(["consume", "events", "--from-beginning", "--max", "500", "--format", "json"])).stdout);
  expect(records.map((r) => r.value as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  const partitionOf = new Map<unknown, unknown>();
  for (const r of records) {
    expect(partitionOf.get(r.key) ?? r.partition).toBe(r.partition);
    partitionOf.set(r.key, r.partition);
  }
});
