// Tiered storage on the standalone hosts (directory store, EDGEBROKER_TIERED_DIR): SIGKILL the
// server while producers append and the partition uploads segments, three times, then check
// that the log has no gap and no duplicate, every acknowledged record is at its offset (read back
// through the remote segments), and once maintenance has swept, the store holds exactly the
// objects the partition's map names (an interrupted upload left no orphan). docs/tiered-storage.md.
import { type Dirent, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogCore } from "../../src/core/batch/log-core.ts";
import { decodeRecords, encodeBatch } from "../../src/core/batch/record-batch.ts";
import { wasmBytes } from "../core-support/load-log-core.ts";
import { BENCH_TOKEN } from "../../bench/lib/servers.ts";
import { RUNTIMES, startServer, type ServerProcess } from "./hosts-support.ts";

const auth = { authorization: `Bearer ${BENCH_TOKEN}` };
const utf8 = new TextEncoder();
/** ~300 KB per request: each is a row above the merge threshold, so rows leave one by one. */
const PER_REQUEST = 300;

let core: LogCore;
beforeAll(async () => {
  core = await LogCore.instantiate(wasmBytes());
});

function objectFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: Dirent[] = [];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith(".obj")) out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

/** Appends until the server is gone; `rounds` bounds it (the final append after the crashes). */
async function producer(url: string, client: number, acks: Map<number, string>, rounds = Infinity): Promise<void> {
  for (let n = 0; n < rounds; n++) {
    const ids = Array.from({ length: PER_REQUEST }, (_, i) => `${client}-${n}-${i}`);
    const body = encodeBatch(
      ids.map((id) => ({ key: null, value: utf8.encode(id.padEnd(1000, ".")), headers: [], timestamp: Date.now() })),
      { crc32c: (b) => core.crc32c(b) },
    ) as Uint8Array<ArrayBuffer>;
    let res: Response;
    try {
      res = await fetch(`${url}/v1/topics/tiered/records?partition=0`, {
        method: "POST",
        body,
        headers: { ...auth, "content-type": "application/vnd.kafka.record-batch" },
      });
    } catch {
      return; // killed: this request's fate is unknown
    }
    const answer = (await res.json().catch(() => undefined)) as { offsets?: Array<{ offset: number }> } | undefined;
    if (res.status !== 200 || !answer?.offsets) throw new Error(`produce answered ${res.status}: ${JSON.stringify(answer)}`);
    ids.forEach((id, i) => acks.set(answer.offsets![0]!.offset + i, id));
  }
}

async function stats(url: string) {
  return ((await (await fetch(`${url}/v1/topics/tiered`, { headers: auth })).json()) as any).partitions[0];
}

describe.each(RUNTIMES)("tiered storage crash safety on %s", (runtime) => {
  const dataDir = mkdtempSync(join(tmpdir(), `edgebroker-tiered-${runtime}-`));
  const tiered = join(dataDir, "tiered");
  const env = { EDGEBROKER_TIERED_DIR: tiered };
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps every acknowledged record once, with no orphan object, after SIGKILLs during uploads", async () => {
    server = await startServer(runtime, { dataDir, env });
    const created = await fetch(`${server.url}/v1/topics`, {
      method: "POST",
      body: JSON.stringify({
        name: "tiered",
        partitions: 1,
        config: { "remote.storage.enable": "true", "local.retention.bytes": 1_000_000, "retention.ms": -1 },
      }),
      headers: { ...auth, "content-type": "application/json" },
    });
    expect(created.status).toBe(201);
    const acks = new Map<number, string>();
    for (let round = 0; round < 3; round++) {
      const load = Promise.all([0, 1].map((c) => producer(server!.url, round * 10 + c, acks)));
      // Kill once uploads are under way (objects appear in the store), at a moment that varies.
      const seen = objectFiles(tiered).length;
      while (objectFiles(tiered).length < seen + 3) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, Math.random() * 100));
      await server.kill();
      await load;
      server = await startServer(runtime, { dataDir, env });
    }
    const values: string[] = [];
    let highWatermark = 1;
    while (values.length < highWatermark) {
      const res = await fetch(`${server.url}/v1/topics/tiered/partitions/0/records?offset=${values.length}&max_bytes=4194304`, {
        headers: { ...auth, accept: "application/vnd.kafka.record-batch" },
      });
      expect(
        res.status,
        await res
          .clone()
          .text()
          .then((t) => t.slice(0, 300)),
      ).toBe(200);
      highWatermark = Number(res.headers.get("edgebroker-high-watermark"));
      const before = values.length;
      for (const r of decodeRecords(new Uint8Array(await res.arrayBuffer()))) {
        if (r.offset < before) continue;
        expect(r.offset, "offsets run without gaps").toBe(values.length);
        values.push(new TextDecoder().decode(r.value!).replace(/\.+$/, ""));
      }
      expect(values.length > before || values.length >= highWatermark).toBe(true);
    }
    expect(new Set(values).size, "no record is stored twice").toBe(values.length);
    for (const [at, id] of acks) expect(values[at], `acknowledged ${id} at ${at}`).toBe(id);
    const s = await stats(server.url);
    expect(s.remote_segments).toBeGreaterThan(0);
    // One more append. The last interrupted upload's objects are garbage, and the partition asked
    // for the alarm that sweeps them when its log opened again. Issue #20: it did not; the alarm
    // armed before the kill reached the object before its log was open (and did nothing), and
    // this append asks for the normal interval (a minute) unless the partition is 4 MiB past local
    // retention, so 3-5 garbage objects (their entries present) outlasted the comparison below.
    await producer(server.url, 99, acks, 1);
    // Uploads of the backlog may still be running (an upload's objects exist before its map rows
    // are committed), so the store and the map are compared once they agree on two looks in a
    // row, each reading the map before and after listing the store: then the store holds exactly
    // the mapped objects, none missing and no orphan.
    const agree = async () => {
      const before = (await stats(server!.url)).remote_segments;
      const files = objectFiles(tiered).length;
      const after = (await stats(server!.url)).remote_segments;
      return { ok: before === files && files === after, files, segments: after };
    };
    let last = await agree();
    for (let i = 0, streak = 0; i < 200 && streak < 2; i++) {
      last = await agree();
      streak = last.ok ? streak + 1 : 0;
      if (streak < 2) await new Promise((r) => setTimeout(r, 50));
    }
    expect(last.files, "the store holds exactly the mapped objects (no orphan, none missing)").toBe(last.segments);
    expect(last.ok).toBe(true);
    expect(await server.stop(), server.output()).toBe(0);
    server = undefined;
  });
});
