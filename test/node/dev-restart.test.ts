// The README promise, end to end: start the local broker (scripts/dev.ts → wrangler dev on
// persisted state), publish, stop it, start it again, and find every acknowledged record with
// the same offsets. Real HTTP, real workerd, real SQLite files on disk.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../contract/hosts-support.ts";

const TOKEN = "restart-test-token";
const stateDir = mkdtempSync(join(tmpdir(), "edgebroker-dev-state-"));

async function startDev(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["scripts/dev.ts"], {
    env: { ...process.env, PORT: String(port), EDGEBROKER_ADMIN_TOKEN: TOKEN, EDGEBROKER_DEV_STATE: stateDir },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`dev server exited early:\n${output}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`dev server did not start within 60 s:\n${output}`);
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(-child.pid!, "SIGTERM"); // the whole group: the script, wrangler and workerd
  await exited;
}

function api(port: number, path: string, init: RequestInit = {}) {
  return fetch(`http://127.0.0.1:${port}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...init.headers },
  });
}

afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe("npm run dev", () => {
  it("keeps every acknowledged record across a restart on persisted state", async () => {
    const port = await freePort();
    let dev = await startDev(port);
    const acked: Array<{ partition: number; offset: number; value: number }> = [];
    try {
      expect((await api(port, "/v1/topics", { method: "POST", body: JSON.stringify({ name: "restart", partitions: 2 }) })).status).toBe(
        201,
      );
      const sends = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const res = await api(port, "/v1/topics/restart/records", {
            method: "POST",
            body: JSON.stringify({ records: [{ key: `k${i % 7}`, value: i }] }),
          });
          expect(res.status).toBe(200);
          const { offsets } = (await res.json()) as { offsets: Array<{ partition: number; offset: number }> };
          return { ...offsets[0]!, value: i };
        }),
      );
      acked.push(...sends);
    } finally {
      await stop(dev);
    }

    dev = await startDev(port);
    try {
      for (const partition of [0, 1]) {
        const res = await api(port, `/v1/topics/restart/partitions/${partition}/records?offset=0&max_records=100`);
        expect(res.status).toBe(200);
        const page = (await res.json()) as { records: Array<{ offset: number; value: number }>; high_watermark: number };
        const expected = acked.filter((a) => a.partition === partition).sort((a, b) => a.offset - b.offset);
        expect(page.records.map((r) => [r.offset, r.value])).toEqual(expected.map((a) => [a.offset, a.value]));
        expect(page.high_watermark).toBe(expected.length);
      }
    } finally {
      await stop(dev);
    }
  });
});
