// The object-storage sink with store=s3 on the standalone hosts (Node, Bun, Deno) against a real
// S3-compatible server (s3rver on 127.0.0.1). The sink's endpoint is user-given, so its requests
// go through the host's outbound port under the connector address policy (checked after DNS, see
// src/runtime/object-store.test.ts for names resolving to private addresses); with the loopback
// opt-in (EDGEBROKER_CONNECT_LOOPBACK=1) a loopback endpoint is reached and every record archived.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ObjectStore } from "../../src/runtime/s3-object-store.ts";
import { admin, until } from "./connectors-support.ts";
import { RUNTIMES, startServer, type ServerProcess } from "./hosts-support.ts";

const text = new TextDecoder();

describe.each(RUNTIMES)("object-storage sink to S3 on %s", (runtime) => {
  let dataDir = "";
  let s3Dir = "";
  let s3: S3rver | undefined;
  let endpoint = "";
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `edgebroker-archive-s3-${runtime}-`));
    s3Dir = mkdtempSync(join(tmpdir(), `edgebroker-s3rver-${runtime}-`));
    s3 = new S3rver({
      port: 0,
      address: "127.0.0.1",
      silent: true,
      directory: s3Dir,
      configureBuckets: [{ name: "archive", configs: [] }],
    });
    endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
    server = await startServer(runtime, { dataDir, env: { EDGEBROKER_CONNECT_LOOPBACK: "1" } });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await s3?.close();
    for (const d of [dataDir, s3Dir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it("archives every record through the outbound port with the loopback opt-in", async () => {
    const api = admin(server!.url);
    await api.topic("events", 1);
    await api.produce(
      "events",
      Array.from({ length: 40 }, (_, n) => ({ key: `k${n % 3}`, value: { n } })),
    );
    await api.connector("to-s3", {
      "connector.class": "object-storage-sink",
      topics: "events",
      store: "s3",
      "s3.endpoint": endpoint,
      "s3.bucket": "archive",
      "s3.access.key.id": "S3RVER",
      "s3.secret.access.key": "S3RVER",
      "batch.max.records": 15,
      "batch.linger.ms": 0,
    });
    await until(async () => {
      const s = await api.status("to-s3");
      return s.lag.total === 0 && s.lag.partitions.every((p: any) => !p.pending && p.committed === p.high_watermark);
    }, "the sink to catch up");
    const store = new S3ObjectStore({ endpoint, bucket: "archive", region: "us-east-1", accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
    const keys = (await store.list("to-s3/events/0/")).filter((k) => !k.endsWith("manifest.json"));
    expect(keys.length).toBeGreaterThanOrEqual(3);
    const offsets: number[] = [];
    for (const key of keys)
      for (const line of text
        .decode((await store.get(key))!)
        .trimEnd()
        .split("\n"))
        offsets.push(JSON.parse(line).offset);
    expect(offsets).toEqual(Array.from({ length: 40 }, (_, i) => i));
  }, 120_000);
});
