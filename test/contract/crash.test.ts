// Crash safety of the standalone hosts: SIGKILL the server in the middle of a produce load, start
// it again on the same data directory, and check the promise "an acknowledgement means durable":
// every acknowledged record is there at the offset it was acknowledged with, no record appears
// twice, offsets run from 0 without gaps, and new appends continue right after the last one.
// (Records whose request was cut off may or may not be there — their answer never arrived.)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogCore } from "../../src/core/batch/log-core.ts";
import { encodeBatch } from "../../src/core/batch/record-batch.ts";
import { wasmBytes } from "../core-support/load-log-core.ts";
import { BENCH_TOKEN } from "../../bench/lib/servers.ts";
import { RUNTIMES, startServer, type ServerProcess } from "./hosts-support.ts";

const PARTITIONS = 2;
const CLIENTS = 12;
const utf8 = new TextEncoder();
const auth = { authorization: `Bearer ${BENCH_TOKEN}` };

interface Ack {
  id: string;
  partition: number;
  offset: number;
}

let core: LogCore;
beforeAll(async () => {
  core = await LogCore.instantiate(wasmBytes());
});

/** One producer: JSON and binary requests in turn, to partition `client % PARTITIONS`, until the server is gone. */
async function producer(url: string, client: number, acks: Ack[]): Promise<void> {
  const partition = client % PARTITIONS;
  for (let n = 0; ; n++) {
    const size = 1 + ((client + n) % 5);
    const ids = Array.from({ length: size }, (_, i) => `${client}-${n}-${i}`);
    const binary = n % 2 === 1;
    const body = binary
      ? (encodeBatch(
          ids.map((id, i) => ({ key: null, value: utf8.encode(JSON.stringify(id)), headers: [], timestamp: Date.now() + i })),
          { crc32c: (b) => core.crc32c(b) },
        ) as Uint8Array<ArrayBuffer>)
      : JSON.stringify({ records: ids.map((id) => ({ value: id, partition })) });
    let res: Response;
    try {
      res = await fetch(`${url}/v1/topics/crash/records?partition=${partition}`, {
        method: "POST",
        body,
        headers: { ...auth, "content-type": binary ? "application/vnd.kafka.record-batch" : "application/json" },
      });
    } catch {
      return; // the server is gone: this request's fate is unknown
    }
    const answer = (await res.json().catch(() => undefined)) as { offsets?: Array<{ partition: number; offset: number }> } | undefined;
    if (res.status !== 200 || !answer?.offsets) throw new Error(`produce answered ${res.status}: ${JSON.stringify(answer)}`);
    if (binary) {
      const base = answer.offsets[0]!.offset;
      ids.forEach((id, i) => acks.push({ id, partition, offset: base + i }));
    } else {
      answer.offsets.forEach((o, i) => acks.push({ id: ids[i]!, partition: o.partition, offset: o.offset }));
    }
  }
}

async function readAll(url: string, partition: number): Promise<{ values: string[]; highWatermark: number }> {
  const values: string[] = [];
  let offset = 0;
  let highWatermark = 0;
  for (;;) {
    const res = await fetch(`${url}/v1/topics/crash/partitions/${partition}/records?offset=${offset}&max_records=10000&max_bytes=4194304`, {
      headers: auth,
    });
    const page = (await res.json()) as { records: Array<{ offset: number; value: string }>; next_offset: number; high_watermark: number };
    expect(res.status).toBe(200);
    for (const r of page.records) {
      // Offsets run without gaps: the record at index i has offset i.
      expect(r.offset).toBe(values.length);
      values.push(r.value);
    }
    highWatermark = page.high_watermark;
    if (page.records.length === 0 || page.next_offset >= highWatermark) return { values, highWatermark };
    offset = page.next_offset;
  }
}

describe.each(RUNTIMES)("crash safety on %s", (runtime) => {
  const dataDir = mkdtempSync(join(tmpdir(), `edgebroker-crash-${runtime}-`));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps every acknowledged record, at its offset, once, after SIGKILL mid-load", async () => {
    server = await startServer(runtime, { dataDir });
    const created = await fetch(`${server.url}/v1/topics`, {
      method: "POST",
      body: JSON.stringify({ name: "crash", partitions: PARTITIONS }),
      headers: { ...auth, "content-type": "application/json" },
    });
    expect(created.status).toBe(201);

    const acks: Ack[] = [];
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, c) => producer(server!.url, c, acks)));
    // Kill at a moment that varies from run to run, once the load is well under way.
    const started = Date.now();
    while (acks.length < 400 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, Math.random() * 200));
    await server.kill();
    await load;
    expect(acks.length).toBeGreaterThanOrEqual(400);

    server = await startServer(runtime, { dataDir });
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const { values, highWatermark } = await readAll(server.url, partition);
      expect(values.length).toBe(highWatermark);
      expect(new Set(values).size, "no record is stored twice").toBe(values.length);
      for (const ack of acks.filter((a) => a.partition === partition)) {
        expect(values[ack.offset], `acknowledged ${ack.id} at ${partition}/${ack.offset}`).toBe(ack.id);
      }
      // Appends continue right after the last record.
      const res = await fetch(`${server.url}/v1/topics/crash/records`, {
        method: "POST",
        body: JSON.stringify({ records: [{ value: "after restart", partition }] }),
        headers: { ...auth, "content-type": "application/json" },
      });
      expect(await res.json()).toEqual({ offsets: [{ partition, offset: highWatermark }] });
    }
    expect(await server.stop(), server.output()).toBe(0);
    server = undefined;
  });
});
