// The SDK over real HTTP against the standalone Node server, run in separate processes on Node —
// importing the built package by its own name ("edgebroker/client" → dist/client, as a user's
// code would) — and on Bun and Deno from the source. Each run produces keyed records, consumes
// them as a group, and checks an error's type.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionForKey } from "../../src/client/index.ts";
import { startRuntime, type Target } from "./hosts-support.ts";

const run = promisify(execFile);
const ROOT = new URL("../../", import.meta.url).pathname;
const BIN = join(ROOT, "node_modules", ".bin");
const SCRIPT = "test/contract/sdk/roundtrip.ts";

let target: Target;

beforeAll(async () => {
  // `npm run build`'s SDK half: dist/client, which the package's exports map points at.
  await run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.client.json"], { cwd: ROOT });
  target = await startRuntime("node");
});

afterAll(async () => {
  await target?.stop();
});

interface Outcome {
  acks: Array<{ topic: string; partition: number; offset: number }>;
  seen: Array<{ partition: number; offset: number; key: string; value: { i: number } }>;
  members: number;
  committed: number[];
  error: { name: string; isSdkError: boolean; code: string };
}

async function roundtrip(command: string, args: string[]): Promise<Outcome> {
  const env = { ...process.env, EDGEBROKER_URL: target.url, EDGEBROKER_TOKEN: target.token, NO_COLOR: "1" };
  const { stdout } = await run(command, args, { cwd: ROOT, env, timeout: 60_000 });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Outcome;
}

function check(out: Outcome): void {
  expect(out.acks).toHaveLength(30);
  // Keyed records sit on Kafka's partition for their key; each partition's offsets are dense.
  out.acks.forEach((a, i) => expect(a.partition).toBe(partitionForKey(new TextEncoder().encode(`user-${i % 5}`), 3)));
  expect(out.seen.map((r) => r.value.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  for (const r of out.seen) expect(r.key).toBe(`user-${r.value.i % 5}`);
  expect(out.members).toBe(0);
  expect(out.committed.reduce((a, b) => a + b, 0)).toBe(30);
  expect(out.error).toEqual({ name: "EdgebrokerError", isSdkError: true, code: "topic_not_found" });
}

describe("SDK over HTTP against the Node server", () => {
  it("works on Node from the built package, imported as edgebroker/client", async () => {
    check(await roundtrip(process.execPath, ["--disable-warning=ExperimentalWarning", SCRIPT, "edgebroker/client"]));
  });

  it("works on Bun", async () => {
    check(await roundtrip(join(BIN, "bun"), [SCRIPT, "../../../src/client/index.ts"]));
  });

  it("works on Deno with network access only", async () => {
    check(
      await roundtrip(join(BIN, "deno"), [
        "run",
        "--no-prompt",
        "--allow-env=EDGEBROKER_URL,EDGEBROKER_TOKEN",
        `--allow-net=${new URL(target.url).host}`,
        "--allow-read=.",
        SCRIPT,
        "../../../src/client/index.ts",
      ]),
    );
  });
});
