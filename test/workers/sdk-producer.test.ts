// The SDK's Producer against the real broker in workerd: batching, keyed partitioning identical to
// the broker's, idempotent retries through injected faults (no duplicates, no gaps), fencing,
// retrying only what is retriable, aborts, and close.
import { describe, expect, it } from "vitest";
import { EdgebrokerError, Producer } from "../../src/client/index.ts";
import { createTopic, fetchRecords, json, produce } from "./api-support.ts";
import { brokerLink, produceRequests } from "./sdk-support.ts";

const fast = { retries: 4, initialBackoffMs: 1, maxBackoffMs: 5 };

async function allValues(topic: string, partitions: number): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for (let p = 0; p < partitions; p++)
    out.push((await fetchRecords(topic, p, "offset=0&max_records=10000")).records.map((r: { value: unknown }) => r.value));
  return out;
}

describe("Producer", () => {
  it("batches concurrent sends into one request per partition and resolves each with its offset", async () => {
    const topic = await createTopic(1);
    const link = brokerLink();
    const producer = new Producer({ ...link.options, lingerMs: 20 });
    const acks = await Promise.all(Array.from({ length: 50 }, (_, i) => producer.send({ topic, value: { i } })));
    await producer.close();
    expect(acks.map((a) => a.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(acks.every((a) => a.topic === topic && a.partition === 0)).toBe(true);
    expect(produceRequests(link)).toHaveLength(1);
    expect((await allValues(topic, 1))[0]).toEqual(Array.from({ length: 50 }, (_, i) => ({ i })));
  });

  it("keeps send order when early records wait for the topic's metadata and later ones name their partition", async () => {
    const topic = await createTopic(1);
    const producer = new Producer({ ...brokerLink().options, lingerMs: 0 });
    const sends = [
      producer.send({ topic, key: "a", value: "first" }),
      producer.send({ topic, partition: 0, value: "second" }),
      producer.send({ topic, value: "third" }),
    ];
    expect((await Promise.all(sends)).map((a) => a.offset)).toEqual([0, 1, 2]);
    await producer.close();
    expect((await allValues(topic, 1))[0]).toEqual(["first", "second", "third"]);
  });

  it("splits batches at maxBatchRecords and keeps the order", async () => {
    const topic = await createTopic(1);
    const link = brokerLink();
    const producer = new Producer({ ...link.options, maxBatchRecords: 10, idempotent: false, maxInFlight: 1 });
    const acks = await Promise.all(Array.from({ length: 35 }, (_, i) => producer.send({ topic, value: i })));
    await producer.close();
    expect(acks.map((a) => a.offset)).toEqual(Array.from({ length: 35 }, (_, i) => i));
    expect(produceRequests(link).length).toBeGreaterThanOrEqual(4);
    expect((await allValues(topic, 1))[0]).toEqual(Array.from({ length: 35 }, (_, i) => i));
  });

  it("puts every keyed record on the partition the broker itself picks for that key", async () => {
    const topic = await createTopic(7);
    const keys = Array.from({ length: 60 }, (_, i) => `customer-${i * 7919}`);
    const producer = new Producer({ ...brokerLink().options });
    const sdk = await Promise.all(keys.map((key) => producer.send({ topic, key, value: key })));
    await producer.close();
    // The broker places records without a partition by its own murmur2.
    const broker = await produce(
      topic,
      keys.map((key) => ({ key, value: key })),
    );
    expect(sdk.map((a) => a.partition)).toEqual(broker.map((a) => a.partition));
    expect(new Set(sdk.map((a) => a.partition)).size).toBeGreaterThan(3);
  });

  it("retries a produce whose answer was lost with the same sequence: the broker deduplicates it", async () => {
    const topic = await createTopic(1);
    const link = brokerLink({ retry: fast });
    let lost = 0;
    link.faults = (r) => (r.path.endsWith("/records") && lost++ < 2 ? "lose-answer" : undefined);
    const producer = new Producer({ ...link.options, lingerMs: 0 });
    const first = await producer.send({ topic, value: "a" });
    const rest = await Promise.all(["b", "c"].map((value) => producer.send({ topic, value })));
    await producer.close();
    expect([first, ...rest].map((a) => a.offset)).toEqual([0, 1, 2]);
    expect((await allValues(topic, 1))[0]).toEqual(["a", "b", "c"]);
    const produced = produceRequests(link);
    // The lost attempt and its retry carry the same Producer-Seq.
    expect(produced[0]!.headers.get("producer-seq")).toBe("0");
    expect(produced[1]!.headers.get("producer-seq")).toBe("0");
    expect(produced.at(-1)!.headers.get("producer-seq")).toBe("1");
  });

  it("without idempotence, a lost answer retried writes the records twice (why idempotence is the default)", async () => {
    const topic = await createTopic(1);
    const link = brokerLink({ retry: fast });
    let lost = 0;
    link.faults = (r) => (r.path.endsWith("/records") && lost++ < 1 ? "lose-answer" : undefined);
    const producer = new Producer({ ...link.options, idempotent: false });
    await producer.send({ topic, value: "once" });
    await producer.close();
    expect((await allValues(topic, 1))[0]).toEqual(["once", "once"]);
  });

  it("survives dropped requests on several partitions without duplicates or gaps", async () => {
    const topic = await createTopic(3);
    const link = brokerLink({ retry: fast });
    // Every batch's first attempt fails, alternately before and after the broker handled it.
    const seen = new Set<string>();
    link.faults = (r) => {
      if (!r.path.endsWith("/records")) return undefined;
      const attempt = `${r.query.get("partition")}/${r.headers.get("producer-seq")}`;
      if (seen.has(attempt)) return undefined;
      seen.add(attempt);
      return seen.size % 2 === 0 ? "drop" : "lose-answer";
    };
    const producer = new Producer({ ...link.options, maxBatchRecords: 4, lingerMs: 1 });
    const acks = await Promise.all(Array.from({ length: 60 }, (_, i) => producer.send({ topic, key: `k${i % 9}`, value: i })));
    await producer.close();
    const stored = await allValues(topic, 3);
    expect(stored.flat().sort((a, b) => (a as number) - (b as number))).toEqual(Array.from({ length: 60 }, (_, i) => i));
    // Per partition, the broker's order is the send order, and each ack names the stored record.
    for (const [p, values] of stored.entries()) {
      const sent = acks.map((a, i) => ({ a, i })).filter(({ a }) => a.partition === p);
      expect(values).toEqual(sent.map(({ i }) => i));
      expect(sent.map(({ a }) => a.offset)).toEqual(sent.map((_, n) => n));
    }
  });

  it("renumbers after a batch that failed for good never arrived (out_of_order_sequence with a lower expectation)", async () => {
    const topic = await createTopic(1);
    const link = brokerLink({ retry: { retries: 0 } });
    let dropped = 0;
    link.faults = (r) => (r.path.endsWith("/records") && dropped++ < 1 ? "drop" : undefined);
    const producer = new Producer({ ...link.options, lingerMs: 0 });
    await expect(producer.send({ topic, value: "lost" })).rejects.toMatchObject({ code: "network_error" });
    expect(await producer.send({ topic, value: "next" })).toMatchObject({ offset: 0 });
    expect(await producer.send({ topic, value: "after" })).toMatchObject({ offset: 1 });
    await producer.close();
    const seqs = produceRequests(link).map((r) => r.headers.get("producer-seq"));
    expect(seqs).toEqual(["0", "1", "0", "1"]);
    expect((await allValues(topic, 1))[0]).toEqual(["next", "after"]);
  });

  it("halves a batch the broker refuses as too large and delivers all of it", async () => {
    const topic = await createTopic(1);
    const link = brokerLink();
    const producer = new Producer({ ...link.options, maxBatchBytes: 8 * 1024 * 1024, lingerMs: 5 });
    const big = (n: number) => new Uint8Array(300_000).fill(n);
    const acks = await Promise.all([1, 2, 3, 4].map((n) => producer.send({ topic, value: big(n) })));
    await producer.close();
    expect(acks.map((a) => a.offset)).toEqual([0, 1, 2, 3]);
    expect(produceRequests(link).length).toBeGreaterThan(1);
    const stored = (await fetchRecords(topic, 0, "offset=0&max_bytes=4194304")).records;
    expect(stored).toHaveLength(4);
  });

  it("fails pending and later sends with producer_fenced once a newer producer of the same name wrote", async () => {
    const topic = await createTopic(1);
    const old = new Producer({ ...brokerLink().options, name: `device-${topic}` });
    await old.send({ topic, value: "old-1" });
    const fresh = new Producer({ ...brokerLink().options, name: `device-${topic}` });
    await fresh.send({ topic, value: "new-1" });
    const refused = await old.send({ topic, value: "old-2" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EdgebrokerError);
    expect(refused).toMatchObject({ code: "producer_fenced", retriable: false, status: 409 });
    await expect(old.send({ topic, value: "old-3" })).rejects.toMatchObject({ code: "producer_fenced" });
    await fresh.close();
    expect((await allValues(topic, 1))[0]).toEqual(["old-1", "new-1"]);
  });

  it("does not retry what the broker refuses for good, and names the problem", async () => {
    const link = brokerLink({ retry: fast });
    const producer = new Producer({ ...link.options, idempotent: false });
    const missing = await producer.send({ topic: "no-such-topic", value: 1 }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: "topic_not_found", status: 404, retriable: false });
    expect(link.requests).toHaveLength(1);
    const topic = await createTopic(2);
    await expect(producer.send({ topic, partition: 5, value: 1 })).rejects.toMatchObject({ code: "partition_not_found", status: 404 });
    await expect(producer.send({ topic, value: undefined })).rejects.toMatchObject({ code: "invalid_argument" });
    await producer.close();
  });

  it("gives up after the configured retries with the network error", async () => {
    const topic = await createTopic(1);
    const link = brokerLink({ retry: { retries: 2, initialBackoffMs: 1, maxBackoffMs: 1 } });
    link.faults = (r) => (r.path.endsWith("/records") ? "drop" : undefined);
    const producer = new Producer({ ...link.options, idempotent: false });
    await expect(producer.send({ topic, value: 1 })).rejects.toMatchObject({ code: "network_error", retriable: true });
    expect(produceRequests(link)).toHaveLength(3);
    await producer.close();
  });

  it("rejects a record whose signal aborts before it is sent, and sends the others", async () => {
    const topic = await createTopic(1);
    const producer = new Producer({ ...brokerLink().options, lingerMs: 50 });
    const controller = new AbortController();
    const kept = producer.send({ topic, value: "kept" });
    const dropped = producer.send({ topic, value: "dropped", signal: controller.signal });
    await Promise.resolve();
    controller.abort();
    await expect(dropped).rejects.toMatchObject({ code: "aborted" });
    expect(await kept).toMatchObject({ offset: 0 });
    await producer.close();
    expect((await allValues(topic, 1))[0]).toEqual(["kept"]);
  });

  it("flush waits for queued records; close refuses new sends; the JSON encoding works the same", async () => {
    const topic = await createTopic(1);
    const producer = new Producer({ ...brokerLink().options, encoding: "json", lingerMs: 10_000 });
    const pending = producer.send({ topic, key: new Uint8Array([0xff, 1]), value: new Uint8Array([0xff]), headers: { h: "v" } });
    await producer.flush();
    expect(await pending).toMatchObject({ partition: 0, offset: 0 });
    await producer.close();
    await expect(producer.send({ topic, value: 1 })).rejects.toMatchObject({ code: "closed" });
    const stored = (await fetchRecords(topic, 0)).records[0];
    expect(stored).toMatchObject({ key_b64: "/wE=", value_b64: "/w==", headers: { h: "v" } });
  });

  it("waits out a quota refusal (429, Retry-After) and then succeeds", async () => {
    const topic = await createTopic(1);
    const key = await json("/v1/keys", "POST", {
      name: "slow",
      grants: [{ operation: "produce", resource: `topic:${topic}` }],
      quotas: { requests_per_second: 1 },
    });
    const { secret } = (await key.json()) as { secret: string };
    const link = brokerLink({ token: secret, retry: { retries: 3, initialBackoffMs: 1, maxBackoffMs: 1 } });
    const producer = new Producer({ ...link.options, idempotent: false, lingerMs: 0 });
    const acks = [];
    for (const value of ["a", "b", "c"]) acks.push(await producer.send({ topic, partition: 0, value }));
    await producer.close();
    expect(acks.map((a) => a.offset)).toEqual([0, 1, 2]);
    const statuses = produceRequests(link).map((r) => r.status);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
  });

  it("closes at once when its signal aborts: queued records are rejected, later sends refused", async () => {
    const topic = await createTopic(1);
    const controller = new AbortController();
    const producer = new Producer({ ...brokerLink().options, lingerMs: 10_000, signal: controller.signal });
    const queued = producer.send({ topic, value: 1 });
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await expect(queued).rejects.toMatchObject({ code: "aborted" });
    await expect(producer.send({ topic, value: 2 })).rejects.toMatchObject({ code: "closed" });
    expect((await fetchRecords(topic, 0)).records).toEqual([]);
  });

  it("refuses an unauthorized token without retrying", async () => {
    const link = brokerLink({ token: "wrong", retry: fast });
    const producer = new Producer({ ...link.options });
    await expect(producer.send({ topic: "any", partition: 0, value: 1 })).rejects.toMatchObject({
      code: "unauthorized",
      status: 401,
      retriable: false,
    });
    expect(link.requests).toHaveLength(1);
  });
});
