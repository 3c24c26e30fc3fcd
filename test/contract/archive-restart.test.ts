// The object-storage sink on the standalone hosts with a directory store (EDGEBROKER_ARCHIVE_DIR):
// the server is SIGKILLed while objects are being written and started again on the same data
// directory. Afterwards the objects and the manifests cover every offset exactly once: a batch
// written again after the crash overwrites its own objects (same offset range, same key), and no
// two differently named objects hold the same offset.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DirObjectStore } from "../../src/runtime/dir-object-store.ts";
import { admin, until } from "./connectors-support.ts";
import { RUNTIMES, startServer, type ServerProcess } from "./hosts-support.ts";

const text = new TextDecoder();

describe.each(RUNTIMES)("object-storage sink across a crash on %s", (runtime) => {
  let dataDir = "";
  let archiveDir = "";
  let server: ServerProcess | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), `edgebroker-archive-data-${runtime}-`));
    // Inside the data directory: the Deno host may write only there (npm run serve:deno's flags).
    archiveDir = join(dataDir, "archive");
  });
  afterAll(async () => {
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("covers every offset exactly once after a SIGKILL mid-archive and a connector restart", async () => {
    const env = { EDGEBROKER_ARCHIVE_DIR: archiveDir };
    server = await startServer(runtime, { dataDir, env });
    let api = admin(server.url);
    await api.topic("events", 2);
    for (let i = 0; i < 8; i++)
      await api.produce(
        "events",
        Array.from({ length: 100 }, (_, j) => ({ key: `k${j % 7}`, value: { n: i * 100 + j } })),
      );
    await api.connector("arch", {
      "connector.class": "object-storage-sink",
      topics: "events",
      store: "dir",
      compression: "gzip",
      "batch.max.records": 10,
      "batch.linger.ms": 0,
    });
    const store = new DirObjectStore(archiveDir);
    await until(async () => (await store.list("arch/events/")).length >= 6, "the first objects");
    await server.kill();

    server = await startServer(runtime, { dataDir, env });
    api = admin(server.url);
    await api.produce(
      "events",
      Array.from({ length: 50 }, (_, j) => ({ key: `k${j % 7}`, value: { n: 800 + j } })),
    );
    expect((await api.call("POST", "/v1/connectors/arch/restart")).status).toBe(204);
    await until(async () => {
      const s = await api.status("arch");
      return s.lag.total === 0 && s.lag.partitions.every((p: any) => !p.pending && p.committed === p.high_watermark);
    }, "the sink to catch up");

    for (const p of [0, 1]) {
      const produced = await api.records("events", p);
      const keys = (await store.list(`arch/events/${p}/`)).filter((k) => !k.endsWith("manifest.json"));
      const manifest = JSON.parse(text.decode((await store.get(`arch/events/${p}/manifest.json`))!));
      expect(manifest.archived_to).toBe(produced[produced.length - 1].offset + 1);
      expect(manifest.objects.map((o: any) => o.key)).toEqual(keys);
      const seen = new Map<number, unknown>();
      for (const key of keys) {
        expect(key).toMatch(/^arch\/events\/\d\/\d{20}-\d{20}\.ndjson\.gz$/);
        const lines = text
          .decode(gunzipSync((await store.get(key))!))
          .trimEnd()
          .split("\n")
          .map((l) => JSON.parse(l));
        const [first, last] = key
          .slice(key.lastIndexOf("/") + 1, -".ndjson.gz".length)
          .split("-")
          .map(Number);
        expect([lines[0].offset, lines[lines.length - 1].offset]).toEqual([first, last]);
        for (const r of lines) {
          expect(seen.has(r.offset), `offset ${p}/${r.offset} in two objects`).toBe(false);
          seen.set(r.offset, r.value);
        }
      }
      expect(seen).toEqual(new Map(produced.map((r: any) => [r.offset, r.value])));
    }
  }, 180_000);

  it("redacts an S3 store's credentials and refuses a loopback endpoint without the opt-in", async () => {
    const api = admin(server!.url);
    const config = {
      "connector.class": "object-storage-sink",
      topics: "events",
      store: "s3",
      "s3.endpoint": "https://s3.example.com",
      "s3.bucket": "archive",
      "s3.access.key.id": "AKIDEXAMPLE",
      "s3.secret.access.key": "wJalrXUtnFEMI",
    };
    const bad = await api.call("POST", "/v1/connectors", { name: "loop", config: { ...config, "s3.endpoint": "http://127.0.0.1:9000" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "invalid_config", field: "s3.endpoint" });
    await api.connector("to-s3", config);
    expect((await api.call("PUT", "/v1/connectors/to-s3/pause")).status).toBe(202);
    const info = await api.call("GET", "/v1/connectors/to-s3");
    expect(info.body.config).toMatchObject({ "s3.access.key.id": "[redacted]", "s3.secret.access.key": "[redacted]" });
    expect(JSON.stringify(info.body)).not.toMatch(/AKIDEXAMPLE|wJalrXUtnFEMI/);
    expect((await api.call("DELETE", "/v1/connectors/to-s3")).status).toBe(204);
  });
});
