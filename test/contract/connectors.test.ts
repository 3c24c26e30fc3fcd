// The HTTP sink end to end on every host (workerd and the Node, Bun and Deno servers) against a
// real receiver on 127.0.0.1 that fails on purpose: 500, 429 with Retry-After, answers slower than
// the sink's timeout, 400. Nothing is lost, a batch is only ever resent under its own idempotency
// key, signatures verify (HMAC-SHA256 and Ed25519, Standard Webhooks), undeliverable batches land
// in the dead-letter topic with the failure in their headers, and a sink without one fails until
// restarted. Loopback is opted in (EDGEBROKER_CONNECT_LOOPBACK=1).
import { generateKeyPairSync } from "node:crypto";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, type Receiver } from "../../bench/lib/sink-receiver.ts";
import { encodeBatch } from "../../src/core/batch/record-batch.ts";
import { BENCH_TOKEN } from "../../bench/lib/servers.ts";
import { GZIP, withCompressedRecords } from "../core-support/compressed-batch.ts";
import { admin, checkAtLeastOnce, until } from "./connectors-support.ts";
import { everyHost, type RunningHost } from "./every-host-support.ts";

const starters = everyHost({ EDGEBROKER_CONNECT_LOOPBACK: "1" });
const SECRET = "sink-secret";
const keys = generateKeyPairSync("ed25519");
const PRIVATE_PEM = keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const PUBLIC_PEM = keys.publicKey.export({ type: "spki", format: "pem" }).toString();

describe.each(Object.keys(starters))("HTTP sink on %s", (hostName) => {
  let host: RunningHost;
  let receiver: Receiver;
  let api: ReturnType<typeof admin>;

  beforeAll(async () => {
    receiver = await startReceiver({ hmacSecret: SECRET, ed25519Public: PUBLIC_PEM });
    host = await starters[hostName]!();
    api = admin(host.url);
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
    await receiver?.close();
  });

  it("delivers every record through 500, 429 + Retry-After and timeouts; resends only under the same key", async () => {
    // One partition: the receiver's script counts requests, so their order must be the batch's attempts.
    await api.topic("orders", 1);
    const expected = new Map<string, unknown>();
    for (let i = 0; i < 4; i++) {
      const records = Array.from({ length: 30 }, (_, j) => ({ key: `k${(i * 30 + j) % 7}`, value: { n: i * 30 + j } }));
      await api.produce("orders", records);
    }
    for (const r of await api.records("orders", 0)) expected.set(`0/${r.offset}`, r.value);
    expect(expected.size).toBe(120);
    receiver.script("/flaky", (n) =>
      n === 1 ? { status: 500 } : n === 2 ? { status: 429, retryAfter: "1" } : n === 3 ? { status: 200, delayMs: 2_000 } : { status: 200 },
    );
    await api.connector("flaky", {
      "connector.class": "http-sink",
      topics: "orders",
      "http.url": `${receiver.url}/flaky`,
      "batch.max.records": 25,
      "batch.linger.ms": 50,
      "retry.backoff.ms": 100,
      "http.timeout.ms": 500,
      "signing.algorithm": "hmac-sha256",
      "signing.secret": SECRET,
    });
    await until(async () => {
      const s = await api.status("flaky");
      return s.lag.total === 0 && s.lag.partitions.every((p: any) => !p.pending && p.committed === p.high_watermark) && s;
    }, "the sink to catch up");
    const got = receiver.received.filter((r) => r.path === "/flaky");
    const batches = checkAtLeastOnce(got, expected);
    expect(got.every((r) => r.signed === true)).toBe(true);
    // The timed-out request reached the receiver and was sent again under its key: a duplicate the key exposes.
    // (Deno's node:http also sends a request it was told to abort once more, as the same attempt:
    // one more copy under the same key, which is what the key is for.)
    expect(got.length).toBeGreaterThan(batches.size);
    const firstBatch = got.filter((r) => r.key === got[0]!.key);
    expect([...new Set(firstBatch.map((r) => r.attempt))]).toEqual([1, 2, 3, 4]);
    // Retry-After: 1 was honoured (the attempt after the 429 came at least a second after it).
    const retried = firstBatch.find((r) => r.attempt === 3)!;
    expect(retried.at - got[1]!.at).toBeGreaterThanOrEqual(1_000);
    // The sink's progress is its consumer group's offsets.
    const group = (await api.call("GET", "/v1/groups/connect-flaky")).body;
    expect(group.offsets).toMatchObject([{ topic: "orders", partition: 0, offset: 120, lag: 0 }]);
    const status = await api.status("flaky");
    expect(status.metrics.records_delivered).toBeGreaterThanOrEqual(120);
    expect(JSON.stringify(await api.call("GET", "/v1/connectors/flaky"))).not.toContain(SECRET);
  });

  // Regression: a read decompresses at most 16 MiB (MAX_DECOMPRESSED_BYTES); the sink committed
  // past every batch it read, so the records of the batches past the bound were never delivered.
  it("delivers the records of batches past the decompression bound of one read, skipping none", async () => {
    await api.topic("bulky", 1);
    // Three gzip batches of 3 records, 9 MB each decompressed (a read stops decompressing after
    // two), then one plain record (offset 9). The values are JSON text, delivered as they are.
    const value = new TextEncoder().encode(JSON.stringify("v".repeat(2_999_998)));
    const plain = encodeBatch(
      Array.from({ length: 3 }, (_, i) => ({ key: null, value, headers: [], timestamp: i })),
      { crc32c: () => 0 }, // resealed by withCompressedRecords
    );
    const big = withCompressedRecords(plain, GZIP, new Uint8Array(gzipSync(plain.subarray(61))));
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${host.url}/v1/topics/bulky/records?partition=0`, {
        method: "POST",
        headers: { authorization: `Bearer ${BENCH_TOKEN}`, "content-type": "application/vnd.kafka.record-batch" },
        body: big as Uint8Array<ArrayBuffer>,
      });
      expect(res.status, await res.text()).toBe(200);
    }
    await api.produce("bulky", [{ value: "after" }]);
    await api.connector("bulky", { "connector.class": "http-sink", topics: "bulky", "http.url": `${receiver.url}/bulky` });
    await until(async () => (await api.status("bulky")).lag.total === 0, "the sink to catch up");
    const got = receiver.received.filter((r) => r.path === "/bulky");
    const offsets = [...new Set(got.flatMap((r) => r.records.map((rec) => rec.offset)))].sort((a, b) => a - b);
    expect(offsets).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(got.at(-1)!.records.at(-1)!.value).toBe("after");
  }, 120_000);

  it("sends NDJSON signed with Ed25519", async () => {
    await api.topic("events", 1);
    await api.produce("events", [{ value: "a" }, { value: { b: 1 } }, { key: "k", value: [1, 2] }]);
    await api.connector("nd", {
      "connector.class": "http-sink",
      topics: "events",
      "http.url": `${receiver.url}/nd`,
      "http.format": "ndjson",
      "signing.algorithm": "ed25519",
      "signing.private.key": PRIVATE_PEM,
    });
    await until(
      async () => (await api.status("nd")).lag.total === 0 && receiver.received.some((r) => r.path === "/nd"),
      "the NDJSON batch",
    );
    const [batch] = receiver.received.filter((r) => r.path === "/nd");
    expect(batch!.contentType).toBe("application/x-ndjson");
    expect(batch!.signed).toBe(true);
    expect(batch!.records.map((r) => r.value)).toEqual(["a", { b: 1 }, [1, 2]]);
    expect(batch!.key).toBe("nd-events-0-0-2");
  });

  it("dead-letters a batch the receiver refuses (400) or that exhausts its attempts, failure in the headers", async () => {
    await api.topic("refused", 1);
    await api.topic("refused.dlq", 1);
    await api.produce("refused", [{ key: "x", value: 1, headers: { origin: "test" } }, { value: 2 }]);
    receiver.script("/reject", () => ({ status: 400 }));
    await api.connector("reject", {
      "connector.class": "http-sink",
      topics: "refused",
      "http.url": `${receiver.url}/reject`,
      "errors.deadletterqueue.topic.name": "refused.dlq",
    });
    const dead = await until(async () => {
      const r = await api.records("refused.dlq", 0);
      return r.length === 2 && r;
    }, "the dead-letter records");
    expect(dead[0]).toMatchObject({
      key: "x",
      value: 1,
      headers: {
        origin: "test",
        "__connect.errors.topic": "refused",
        "__connect.errors.partition": "0",
        "__connect.errors.offset": "0",
        "__connect.errors.connector.name": "reject",
        "__connect.errors.http.status": "400",
        "__connect.errors.attempts": "1",
        "__connect.errors.exception.message": "answered 400",
      },
    });
    expect(receiver.received.filter((r) => r.path === "/reject")).toHaveLength(1);
    await until(async () => (await api.status("reject")).lag.total === 0, "the commit past the dead-lettered batch");
    expect((await api.status("reject")).metrics.records_dead_lettered).toBe(2);
  });

  it("without a dead-letter topic fails after its attempts; a restart sends the same batch again", async () => {
    await api.topic("stuck", 1);
    await api.produce("stuck", [{ value: "s0" }, { value: "s1" }]);
    let healthy = false;
    receiver.script("/stuck", () => (healthy ? { status: 204 } : { status: 503 }));
    await api.connector("stuck", {
      "connector.class": "http-sink",
      topics: "stuck",
      "http.url": `${receiver.url}/stuck`,
      "retry.max.attempts": 3,
      "retry.backoff.ms": 50,
    });
    const failed = await until(async () => {
      const s = await api.status("stuck");
      return s.connector.state === "FAILED" && s;
    }, "the sink to fail");
    expect(failed.connector.trace).toContain("gave up after 3 attempts: answered 503");
    expect(failed.lag.partitions[0].pending).toMatchObject({ first_offset: 0, last_offset: 1, attempts: 3 });
    expect(receiver.received.filter((r) => r.path === "/stuck")).toHaveLength(3);
    healthy = true;
    expect((await api.call("POST", "/v1/connectors/stuck/restart")).status).toBe(204);
    await until(async () => (await api.status("stuck")).lag.total === 0, "the restarted sink");
    const sent = receiver.received.filter((r) => r.path === "/stuck");
    expect(new Set(sent.map((r) => r.key))).toEqual(new Set(["stuck-stuck-0-0-1"]));
    expect((await api.status("stuck")).connector.state).toBe("RUNNING");
  });
});
