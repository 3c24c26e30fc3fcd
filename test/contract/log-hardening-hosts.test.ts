// Regressions of issue #14 on the standalone hosts (Node, Bun, Deno), each a real server process
// over its own SQLite binding (workerd has the same cases in test/workers/log-hardening.test.ts):
// - item 10: compaction and merging never ran on Node (node:sqlite stored an emptied segment as
//   NULL); the probe runs maintenance on each runtime's binding and must compact;
// - item 11: a baseOffset altered in the stored row (outside the CRC) was served; the test edits
//   the partition's SQLite file between two runs of the server;
// - item 13: every restart plus one append pushed the persisted alarm a full interval out.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { objectFile } from "../../src/runtime/object-files.ts";
import { RUNTIMES, startServer, type Runtime } from "./hosts-support.ts";
import { BENCH_TOKEN } from "../../bench/lib/servers.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "log-hardening-"));
  dirs.push(d);
  return d;
};

function probeCommand(runtime: Runtime, dir: string): [string, string[]] {
  const probe = "test/contract/probes/maintenance-probe.ts";
  const bin = join(ROOT, "node_modules", ".bin");
  if (runtime === "node") return [process.execPath, ["--disable-warning=ExperimentalWarning", probe, dir]];
  if (runtime === "bun") return [join(bin, "bun"), [probe, dir]];
  return [join(bin, "deno"), ["run", "--no-prompt", "--allow-read", `--allow-write=${dir}`, "--allow-env", probe, dir]];
}

function runProbe(runtime: Runtime): Promise<any> {
  const dir = tempDir();
  const [cmd, args] = probeCommand(runtime, dir);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop()!)) : reject(new Error(`${runtime} probe exited ${code}: ${err}`)),
    );
  });
}

const auth = { authorization: `Bearer ${BENCH_TOKEN}`, "content-type": "application/json" };
async function api(url: string, path: string, method = "GET", body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** Edits the stored row holding `offset` in a stopped server's partition file. */
function editRow(dataDir: string, topic: string, offset: number, mutate: (v: DataView) => void): void {
  const db = new DatabaseSync(objectFile(dataDir, "partition", `${topic}/0`));
  try {
    const row = db
      .prepare("SELECT base_offset, data FROM segments WHERE base_offset <= ? ORDER BY base_offset DESC LIMIT 1")
      .get(offset) as { base_offset: number; data: Uint8Array };
    const data = new Uint8Array(row.data);
    mutate(new DataView(data.buffer, data.byteOffset, data.byteLength));
    db.prepare("UPDATE segments SET data = ? WHERE base_offset = ?").run(data, row.base_offset);
  } finally {
    db.close();
  }
}

function storedAlarm(dataDir: string, topic: string): number | null {
  const db = new DatabaseSync(join(dataDir, "host.sqlite"));
  try {
    const row = db.prepare("SELECT time FROM alarms WHERE kind = 'partition' AND name = ?").get(`${topic}/0`) as
      | { time: number }
      | undefined;
    return row?.time ?? null;
  } finally {
    db.close();
  }
}

describe.each(RUNTIMES)("%s host", (runtime) => {
  it("compacts and merges on its own SQLite binding (an emptied segment is an empty blob, not NULL)", async () => {
    const out = await runProbe(runtime);
    expect(out.stats.maintenance_error).toBeUndefined();
    expect(out.compaction.rowsRewritten).toBe(2);
    expect(out.compaction.recordsRemoved).toBe(2);
    expect(out.merge.rowsAfter).toBe(1);
    expect(out.records).toEqual([{ offset: 2, value: "v3" }]);
    expect(out.highWatermark).toBe(3);
  });

  it("a baseOffset altered in the stored file is corrupt_log naming the row, and the rows before it are served", async () => {
    const dataDir = tempDir();
    const topic = `corrupt-${runtime}`;
    let server = await startServer(runtime, { dataDir });
    try {
      expect((await api(server.url, "/v1/topics", "POST", { name: topic, partitions: 1 })).status).toBe(201);
      for (const value of ["a", "b"])
        expect((await api(server.url, `/v1/topics/${topic}/records`, "POST", { records: [{ value }] })).status).toBe(200);
    } finally {
      await server.stop();
    }
    editRow(dataDir, topic, 1, (v) => v.setBigInt64(0, 40n));
    server = await startServer(runtime, { dataDir });
    try {
      const bad = await api(server.url, `/v1/topics/${topic}/partitions/0/records?offset=1`);
      expect(bad.status, JSON.stringify(bad.body)).toBe(500);
      expect(bad.body.error).toMatchObject({ code: "corrupt_log", first_offset: 1, last_offset: 1 });
      const good = await api(server.url, `/v1/topics/${topic}/partitions/0/records?offset=0&max_records=1`);
      expect(good.body.records.map((r: any) => r.value)).toEqual(["a"]);
    } finally {
      await server.stop();
    }
  });

  it("restarts followed by appends never move the persisted maintenance alarm later", async () => {
    const dataDir = tempDir();
    const topic = `alarm-${runtime}`;
    let server = await startServer(runtime, { dataDir });
    try {
      expect(
        (await api(server.url, "/v1/topics", "POST", { name: topic, partitions: 1, config: { "retention.ms": 3_600_000 } })).status,
      ).toBe(201);
      expect((await api(server.url, `/v1/topics/${topic}/records`, "POST", { records: [{ value: "a" }] })).status).toBe(200);
    } finally {
      await server.stop();
    }
    const alarm = storedAlarm(dataDir, topic);
    expect(alarm).not.toBeNull();
    for (let restart = 0; restart < 2; restart++) {
      server = await startServer(runtime, { dataDir });
      try {
        await new Promise((r) => setTimeout(r, 5)); // the clock moves on before the append
        expect((await api(server.url, `/v1/topics/${topic}/records`, "POST", { records: [{ value: restart }] })).status).toBe(200);
      } finally {
        await server.stop();
      }
      expect(storedAlarm(dataDir, topic)).toBe(alarm);
    }
  });
});
