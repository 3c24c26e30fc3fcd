// Real Kafka clients against the Node standalone host's Kafka listener: kcat (librdkafka) and
// kafkajs produce, consume and administer topics, and the same records are visible over HTTP —
// byte for byte, on the partitions Kafka's own partitioners pick. Keys' grants apply as on HTTP.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionForKey } from "../../src/shared/partitioner.ts";
import { http, kafkajs, kcat, startKafkaHost, type KafkaHost } from "./support.ts";

let host: KafkaHost;
let dir: string;
beforeAll(async () => {
  host = await startKafkaHost("node");
  dir = mkdtempSync(join(tmpdir(), "edgebroker-kafka-files-"));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await host?.stop();
});

const api = (method: string, path: string, body?: unknown) => http(host.http, host.token, method, path, body);

async function createTopic(name: string, partitions: number): Promise<void> {
  const r = await api("POST", "/v1/topics", { name, partitions });
  expect(r.status, await r.clone().text()).toBe(201);
}

interface HttpRecord {
  offset: number;
  key?: string | null;
  key_b64?: string;
  value?: unknown;
  value_b64?: string;
  headers?: Record<string, string>;
}

async function readHttp(topic: string, partition: number): Promise<HttpRecord[]> {
  const r = await api("GET", `/v1/topics/${topic}/partitions/${partition}/records?offset=0`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { records: HttpRecord[] }).records;
}

describe("kcat", () => {
  it("lists the one broker at the advertised address with every topic", async () => {
    await createTopic("kc-meta", 3);
    const r = await kcat(host.bootstrap, ["-L", "-J"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout.toString());
    expect(doc.brokers).toEqual([{ id: 0, name: host.bootstrap }]);
    const topic = doc.topics.find((t: { topic: string }) => t.topic === "kc-meta");
    expect(topic.partitions.map((p: { partition: number; leader: number }) => [p.partition, p.leader])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
  });

  it("keyed records land on murmur2(key) % partitions (librdkafka murmur2_random), readable over HTTP", async () => {
    await createTopic("kc-keys", 4);
    const keys = Array.from({ length: 40 }, (_, i) => `device-${i}`);
    const input = keys.map((k, i) => `${k}\t${i}`).join("\n") + "\n";
    const produced = await kcat(host.bootstrap, ["-P", "-t", "kc-keys", "-K", "\t", "-X", "partitioner=murmur2_random"], { input });
    expect(produced.code, produced.stderr).toBe(0);
    const seen = new Map<string, number>();
    for (let p = 0; p < 4; p++) for (const r of await readHttp("kc-keys", p)) seen.set(r.key as string, p);
    expect(seen.size).toBe(40);
    const utf8 = new TextEncoder();
    for (const k of keys) expect(seen.get(k), k).toBe(partitionForKey(utf8.encode(k), 4));
  });

  it("reads HTTP-produced binary records byte for byte, and HTTP reads kcat's the same way", async () => {
    await createTopic("kc-bytes", 1);
    const values = [new Uint8Array([0, 1, 2, 255, 10, 13, 0]), new Uint8Array(3000).map((_, i) => (i * 7) % 256), new Uint8Array([0x7b])];
    const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
    const r = await api("POST", "/v1/topics/kc-bytes/records", { records: values.map((v, i) => ({ key: `k${i}`, value_b64: b64(v) })) });
    expect(r.status, await r.clone().text()).toBe(200);
    for (let i = 0; i < values.length; i++) {
      const one = await kcat(host.bootstrap, ["-C", "-t", "kc-bytes", "-p", "0", "-o", String(i), "-c", "1", "-e", "-f", "%s"]);
      expect(one.code, one.stderr).toBe(0);
      expect(new Uint8Array(one.stdout)).toEqual(values[i]);
    }
    // The reverse: each file is one message (kcat -P with file arguments).
    const files = values.map((v, i) => {
      const f = join(dir, `m${i}.bin`);
      writeFileSync(f, v);
      return f;
    });
    const produced = await kcat(host.bootstrap, ["-P", "-t", "kc-bytes", "-p", "0", ...files]);
    expect(produced.code, produced.stderr).toBe(0);
    const records = (await readHttp("kc-bytes", 0)).slice(3);
    expect(records.map((rec) => Buffer.from(rec.value_b64 ?? Buffer.from(JSON.stringify(rec.value)).toString("base64"), "base64"))).toEqual(
      values.map((v) => Buffer.from(v)),
    );
  });

  it("produces with every codec (-z gzip, snappy, lz4, zstd): stored as sent, read back by kcat and over HTTP", async () => {
    await createTopic("kc-codecs", 1);
    const codecs = ["gzip", "snappy", "lz4", "zstd"];
    for (const z of codecs) {
      const produced = await kcat(host.bootstrap, ["-P", "-t", "kc-codecs", "-K:", "-z", z], { input: `${z}:${z}-1\n${z}:${z}-2\n` });
      expect(produced.code, produced.stderr).toBe(0);
    }
    const consumed = await kcat(host.bootstrap, ["-C", "-t", "kc-codecs", "-o", "beginning", "-e", "-f", "%o %k=%s\n"]);
    expect(consumed.stdout.toString()).toBe(codecs.map((z, i) => `${2 * i} ${z}=${z}-1\n${2 * i + 1} ${z}=${z}-2\n`).join(""));
    const viaHttp = await readHttp("kc-codecs", 0);
    expect(viaHttp.map((r) => Buffer.from(r.value_b64!, "base64").toString())).toEqual(codecs.flatMap((z) => [`${z}-1`, `${z}-2`]));
  });

  it("a key's grants apply: produce-only may not consume; a wrong secret is refused", async () => {
    await createTopic("kc-granted", 1);
    const made = await api("POST", "/v1/keys", { name: "kc-producer", grants: [{ operation: "produce", resource: "topic:kc-granted" }] });
    expect(made.status).toBe(201);
    const key = (await made.json()) as { id: string; secret: string };
    const as = { user: key.id, password: key.secret };
    const produced = await kcat(host.bootstrap, ["-P", "-t", "kc-granted"], { input: "hello\n", ...as });
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await kcat(host.bootstrap, ["-C", "-t", "kc-granted", "-o", "beginning", "-e"], as);
    expect(consumed.code).not.toBe(0);
    expect(consumed.stderr).toMatch(/authoriz/i);
    const wrong = await kcat(host.bootstrap, ["-L", "-m", "3"], { user: key.id, password: "x".repeat(32) });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/Authentication|SASL/i);
  });
});

describe("kafkajs", () => {
  it("admin creates, describes, alters, grows and deletes topics", async () => {
    const admin = kafkajs(host.bootstrap).admin();
    await admin.connect();
    try {
      expect(
        await admin.createTopics({
          topics: [{ topic: "kj-admin", numPartitions: 2, configEntries: [{ name: "retention.ms", value: "3600000" }] }],
        }),
      ).toBe(true);
      await expect(admin.createTopics({ topics: [{ topic: "kj-admin", numPartitions: 2 }] })).resolves.toBe(false);
      const meta = await admin.fetchTopicMetadata({ topics: ["kj-admin"] });
      expect(meta.topics[0]!.partitions.length).toBe(2);
      const described = await admin.describeConfigs({ resources: [{ type: 2, name: "kj-admin" }], includeSynonyms: false });
      const entries = Object.fromEntries(described.resources[0]!.configEntries.map((c) => [c.configName, c.configValue]));
      expect(entries["retention.ms"]).toBe("3600000");
      expect(entries["cleanup.policy"]).toBe("delete");
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: 2, name: "kj-admin", configEntries: [{ name: "cleanup.policy", value: "compact" }] }],
      });
      // The change is the topic's, over HTTP too.
      const viaHttp = (await (await api("GET", "/v1/topics/kj-admin")).json()) as { config: Record<string, unknown> };
      expect(viaHttp.config["cleanup.policy"]).toBe("compact");
      await expect(
        admin.alterConfigs({
          validateOnly: false,
          resources: [{ type: 2, name: "kj-admin", configEntries: [{ name: "retention.ms", value: "soon" }] }],
        }),
      ).rejects.toThrow();
      await admin.createPartitions({ topicPartitions: [{ topic: "kj-admin", count: 3 }] });
      expect((await admin.fetchTopicMetadata({ topics: ["kj-admin"] })).topics[0]!.partitions.length).toBe(3);
      const cluster = await admin.describeCluster();
      expect(cluster.brokers).toEqual([{ nodeId: 0, host: "127.0.0.1", port: Number(host.bootstrap.split(":")[1]) }]);
      await admin.deleteTopics({ topics: ["kj-admin"] });
      expect(await admin.listTopics()).not.toContain("kj-admin");
      expect((await api("GET", "/v1/topics/kj-admin")).status).toBe(404);
    } finally {
      await admin.disconnect();
    }
  });

  it("an idempotent producer's keyed records with headers land where kafkajs's DefaultPartitioner puts them", async () => {
    await createTopic("kj-produce", 3);
    const kafka = kafkajs(host.bootstrap);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const messages = Array.from({ length: 30 }, (_, i) => ({
      key: `user-${i}`,
      value: `v${i}`,
      headers: { source: "kafkajs", n: String(i) },
    }));
    const sent = await producer.send({ topic: "kj-produce", messages, acks: -1 });
    await producer.disconnect();
    expect(sent.every((r) => r.errorCode === 0)).toBe(true);
    const utf8 = new TextEncoder();
    let total = 0;
    for (let p = 0; p < 3; p++) {
      for (const r of await readHttp("kj-produce", p)) {
        total++;
        expect(partitionForKey(utf8.encode(r.key as string), 3)).toBe(p);
        const n = Number((r.key as string).slice(5));
        expect(r.headers).toEqual({ source: "kafkajs", n: String(n) });
        expect(r.value_b64 ? Buffer.from(r.value_b64, "base64").toString() : r.value).toBe(`v${n}`);
      }
    }
    expect(total).toBe(30);
  });

  it("a gzip-compressed send is stored as sent and read back over HTTP and by kcat", async () => {
    await createTopic("kj-gzip", 1);
    const { CompressionTypes } = await import("kafkajs");
    const producer = kafkajs(host.bootstrap).producer();
    await producer.connect();
    const messages = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ n: i, pad: "x".repeat(40) }) }));
    const sent = await producer.send({ topic: "kj-gzip", messages, compression: CompressionTypes.GZIP, acks: -1 });
    await producer.disconnect();
    expect(sent.every((r) => r.errorCode === 0)).toBe(true);
    const records = await readHttp("kj-gzip", 0);
    expect(records.map((r) => (r.value as { n: number }).n)).toEqual(messages.map((_, i) => i));
    // The stored batch is the compressed one kafkajs sent (attributes' codec bits = 1, gzip).
    const raw = await fetch(`${host.http}/v1/topics/kj-gzip/partitions/0/records?offset=0`, {
      headers: { authorization: `Bearer ${host.token}`, accept: "application/vnd.kafka.record-batch" },
    });
    const batch = new Uint8Array(await raw.arrayBuffer());
    expect(new DataView(batch.buffer).getInt16(21) & 7).toBe(1);
    const consumed = await kcat(host.bootstrap, ["-C", "-t", "kj-gzip", "-o", "beginning", "-e", "-f", "%k\\n"]);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.toString().trim().split("\n")).toEqual(messages.map((m) => m.key));
  });

  it("acks=0 sends get no answer, and the records are still stored in order", async () => {
    await createTopic("kj-acks0", 1);
    const producer = kafkajs(host.bootstrap).producer();
    await producer.connect();
    for (let i = 0; i < 5; i++) await producer.send({ topic: "kj-acks0", acks: 0, messages: [{ value: `fire-${i}` }] });
    // One acknowledged send after them: the connection handles requests in order, so once it is
    // answered the five before it are appended.
    await producer.send({ topic: "kj-acks0", acks: -1, messages: [{ value: "last" }] });
    await producer.disconnect();
    const values = (await readHttp("kj-acks0", 0)).map((r) => Buffer.from(r.value_b64!, "base64").toString());
    expect(values).toEqual(["fire-0", "fire-1", "fire-2", "fire-3", "fire-4", "last"]);
  });

  it("refuses a partition's records over the request limit with MESSAGE_TOO_LARGE and stores nothing", async () => {
    await createTopic("kj-large", 1);
    const producer = kafkajs(host.bootstrap).producer();
    await producer.connect();
    try {
      await expect(producer.send({ topic: "kj-large", messages: [{ value: Buffer.alloc(1_100_000, 1) }] })).rejects.toThrow(
        /larger than the max message size/,
      );
      const ok = await producer.send({ topic: "kj-large", messages: [{ value: "small" }] });
      expect(ok[0]!.baseOffset).toBe("0");
    } finally {
      await producer.disconnect();
    }
  });

  it("lists offsets (earliest, latest, by timestamp) and deletes records", async () => {
    await createTopic("kj-offsets", 1);
    const before = Date.now() - 1;
    const kafka = kafkajs(host.bootstrap);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: "kj-offsets",
      messages: [
        { value: "a", timestamp: String(before - 10_000) },
        { value: "b", timestamp: String(before) },
        { value: "c", timestamp: String(before + 5) },
      ],
    });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.fetchTopicOffsets("kj-offsets")).toEqual([{ partition: 0, offset: "3", high: "3", low: "0" }]);
      expect(await admin.fetchTopicOffsetsByTimestamp("kj-offsets", before)).toEqual([{ partition: 0, offset: "1" }]);
      await admin.deleteTopicRecords({ topic: "kj-offsets", partitions: [{ partition: 0, offset: "2" }] });
      expect(await admin.fetchTopicOffsets("kj-offsets")).toEqual([{ partition: 0, offset: "3", high: "3", low: "2" }]);
    } finally {
      await admin.disconnect();
    }
    // kcat reads what is left from the beginning.
    const r = await kcat(host.bootstrap, ["-C", "-t", "kj-offsets", "-o", "beginning", "-e", "-f", "%o:%s\n"]);
    expect(r.stdout.toString()).toBe("2:c\n");
  });
});
