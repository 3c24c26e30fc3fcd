// The object-storage sink in workerd with local R2 (the ARCHIVE binding of wrangler.toml): a topic
// archived from the connector object's alarm, objects and manifests read back from the bucket,
// the connector restarted and more records archived with nothing duplicated; Parquet objects read
// back with a Parquet reader (hyparquet) and compared record by record; config errors name the field.
import { gunzipSync } from "fflate";
import { parquetReadObjects } from "hyparquet";
import { describe, expect, it } from "vitest";
import { call, createTopic, expectError, fetchRecords, json, produce, testEnv } from "./api-support.ts";

const text = new TextDecoder();
let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${counter++}`;
const bucket = () => (testEnv as unknown as { ARCHIVE: R2Bucket }).ARCHIVE;

async function keys(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket().list({ prefix, cursor });
    out.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out.sort();
}

async function bytes(key: string): Promise<Uint8Array> {
  return new Uint8Array(await (await bucket().get(key))!.arrayBuffer());
}

async function caughtUp(name: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const s = (await (await call(`/v1/connectors/${name}/status`)).json()) as any;
    if (s.lag && s.lag.total === 0 && s.lag.partitions.every((p: any) => !p.pending && p.committed === p.high_watermark)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`connector ${name} did not catch up`);
}

async function create(name: string, config: Record<string, unknown>): Promise<void> {
  const res = await json("/v1/connectors", "POST", { name, config });
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
}

/** Every archived offset of a partition, checking each is in exactly one object and the manifest lists those objects. */
async function archived(prefix: string, read: (key: string) => Promise<any[]>): Promise<{ manifest: any; records: Map<number, any> }> {
  const all = await keys(prefix);
  const objects = all.filter((k) => !k.endsWith("/manifest.json"));
  const manifest = JSON.parse(text.decode(await bytes(`${prefix}manifest.json`)));
  expect(manifest.objects.map((o: any) => o.key)).toEqual(objects);
  const records = new Map<number, any>();
  for (const key of objects) {
    for (const r of await read(key)) {
      expect(records.has(Number(r.offset)), `offset ${r.offset} in two objects`).toBe(false);
      records.set(Number(r.offset), r);
    }
  }
  return { manifest, records };
}

const ndjsonGz = async (key: string) =>
  text
    .decode(gunzipSync(await bytes(key)))
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("object-storage sink on R2", () => {
  it("archives a topic as gzip NDJSON, one object per batch, and nothing twice after a restart", async () => {
    const topic = await createTopic(2);
    const name = unique("arch");
    await produce(
      topic,
      Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 5}`, value: { n: i } })),
    );
    await create(name, {
      "connector.class": "object-storage-sink",
      topics: topic,
      compression: "gzip",
      "batch.max.records": 8,
      "batch.linger.ms": 0,
    });
    await caughtUp(name);
    expect((await call(`/v1/connectors/${name}/restart`, { method: "POST" })).status).toBe(204);
    await produce(
      topic,
      Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 5}`, value: { n: 60 + i } })),
    );
    await caughtUp(name);

    let total = 0;
    for (const p of [0, 1]) {
      const produced = (await fetchRecords(topic, p, "offset=0&max_records=1000")).records as any[];
      const { manifest, records } = await archived(`${name}/${topic}/${p}/`, ndjsonGz);
      expect(manifest).toMatchObject({ connector: name, topic, partition: p, format: "ndjson", compression: "gzip" });
      expect(manifest.archived_to).toBe(produced.length);
      for (const o of manifest.objects) expect(o.key).toMatch(/\/\d{20}-\d{20}\.ndjson\.gz$/);
      expect([...records.keys()].sort((a, b) => a - b)).toEqual(produced.map((r) => r.offset));
      for (const r of produced) expect(records.get(r.offset)).toMatchObject({ topic, partition: p, key: r.key, value: r.value });
      total += records.size;
    }
    expect(total).toBe(90);
  });

  it("writes Parquet that a Parquet reader reads back as the records", async () => {
    const topic = await createTopic(1);
    const name = unique("parq");
    const input = Array.from({ length: 25 }, (_, i) => ({
      key: i % 3 === 0 ? null : `key-${i}`,
      value: { n: i, s: "é".repeat(i % 4) },
      headers: { h: `v${i}` },
    }));
    await produce(topic, input);
    await create(name, {
      "connector.class": "object-storage-sink",
      topics: topic,
      format: "parquet",
      "store.prefix": `p/${name}`,
      "batch.max.records": 10,
      "batch.linger.ms": 0,
    });
    await caughtUp(name);
    const read = async (key: string) => {
      const b = await bytes(key);
      return parquetReadObjects({ file: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer, utf8: false });
    };
    const { manifest, records } = await archived(`p/${name}/${topic}/0/`, read);
    expect(manifest.objects.map((o: any) => o.records)).toEqual([10, 10, 5]);
    const produced = (await fetchRecords(topic, 0, "offset=0&max_records=100")).records as any[];
    for (const r of produced) {
      const row = records.get(r.offset);
      expect(row.topic).toBe(topic);
      expect(row.partition).toBe(0);
      expect(row.offset).toBe(BigInt(r.offset));
      expect(row.timestamp.getTime()).toBe(r.timestamp);
      expect(row.key === null ? null : text.decode(row.key)).toBe(r.key);
      expect(JSON.parse(text.decode(row.value))).toEqual(r.value);
      expect(JSON.parse(typeof row.headers === "string" ? row.headers : text.decode(row.headers))).toEqual(r.headers);
    }
  });

  it("refuses configs it cannot run, naming the field", async () => {
    const topic = await createTopic(1);
    const base = { "connector.class": "object-storage-sink", topics: topic };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ store: "dir" }, "store"],
      [{ store: "s3", "s3.endpoint": "https://s3.example.com" }, "store"],
      [{ format: "parquet", compression: "gzip" }, "compression"],
      [{ format: "csv" }, "format"],
      [{ "store.prefix": "a/../b" }, "store.prefix"],
      [{ "s3.bucket": "b" }, "s3.bucket"],
      [{ "object.max.bytes": 10 }, "object.max.bytes"],
    ];
    for (const [extra, field] of cases) {
      const err = await expectError(
        await json("/v1/connectors", "POST", { name: unique("bad"), config: { ...base, ...extra } }),
        400,
        "invalid_config",
      );
      expect(err.field, JSON.stringify(extra)).toBe(field);
    }
  });
});
