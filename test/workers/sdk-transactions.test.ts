// The SDK's transactional Producer against the real broker in workerd (docs/transactions.md):
// transaction(fn) commits on return and aborts on throw, explicit begin/commit/abort, fencing as
// ProducerFencedError, offsets committed with a transaction (consume-transform-produce), and
// read_committed consumers that see exactly the committed transactions.
import { describe, expect, it } from "vitest";
import { Admin, Consumer, EdgebrokerError, Producer, ProducerFencedError } from "../../src/client/index.ts";
import { createTopic, fetchRecords, produce } from "./api-support.ts";
import { brokerLink, take } from "./sdk-support.ts";

let ids = 0;
const txnId = () => `sdk-tx-${Date.now().toString(36)}-${ids++}`;
const fast = { retries: 4, initialBackoffMs: 1, maxBackoffMs: 5 };

/** Every value of a topic's partitions (sorted), fetched over HTTP with the given isolation. */
async function readAll(topic: string, isolation: "read_committed" | "read_uncommitted", partitions = 3): Promise<unknown[]> {
  const values: unknown[] = [];
  for (let p = 0; p < partitions; p++) {
    const page = await fetchRecords(topic, p, `offset=0&max_records=10000&isolation=${isolation}`).catch(() => ({ records: [] }));
    values.push(...page.records.map((r: { value: unknown }) => r.value));
  }
  return values.sort((a, b) => String(a).localeCompare(String(b)));
}

describe("transactional Producer", () => {
  it("transaction(fn) commits across topics and partitions on return; a throw aborts, rethrows, and nothing of it is read_committed", async () => {
    const [a, b] = [await createTopic(3), await createTopic(1)];
    const producer = new Producer({ ...brokerLink().options, transactionalId: txnId(), retry: fast });
    const result = await producer.transaction(async (tx) => {
      await Promise.all([0, 1, 2].map((p) => tx.send({ topic: a, partition: p, value: `a${p}` })));
      await tx.send({ topic: b, value: "b0" });
      return "done";
    });
    expect(result).toBe("done");
    const boom = new Error("the transform failed");
    await expect(
      producer.transaction(async (tx) => {
        await tx.send({ topic: a, partition: 0, value: "aborted-a" });
        await tx.send({ topic: b, value: "aborted-b" });
        throw boom;
      }),
    ).rejects.toBe(boom);
    // The producer carries on after the abort (new epoch, sequences from 0).
    await producer.transaction(async (tx) => {
      await tx.send({ topic: a, partition: 0, value: "a-last" });
    });
    await producer.close();
    expect(await readAll(a, "read_committed")).toEqual(["a-last", "a0", "a1", "a2"]);
    expect(await readAll(b, "read_committed", 1)).toEqual(["b0"]);
    expect(await readAll(a, "read_uncommitted")).toEqual(["a-last", "a0", "a1", "a2", "aborted-a"]);
  });

  it("begin/commit/abort explicitly; records are held back from read_committed until the commit", async () => {
    const topic = await createTopic(2);
    const producer = new Producer({ ...brokerLink().options, transactionalId: txnId(), retry: fast });
    await expect(producer.send({ topic, value: "outside" })).rejects.toMatchObject({ code: "invalid_txn_state" });
    await producer.beginTransaction();
    await expect(producer.beginTransaction()).rejects.toMatchObject({ code: "invalid_txn_state" });
    await producer.send({ topic, partition: 0, value: "x0" });
    await producer.send({ topic, partition: 1, value: "x1" });
    expect((await fetchRecords(topic, 0, "offset=0&isolation=read_committed")).records).toEqual([]);
    await producer.commitTransaction();
    expect((await fetchRecords(topic, 0, "offset=0&isolation=read_committed")).records.map((r: any) => r.value)).toEqual(["x0"]);
    await producer.beginTransaction();
    await producer.send({ topic, partition: 1, value: "y1" });
    await producer.abortTransaction();
    await expect(producer.commitTransaction()).rejects.toMatchObject({ code: "invalid_txn_state" });
    // An empty transaction sends nothing and commits.
    const link = brokerLink();
    const quiet = new Producer({ ...link.options, transactionalId: txnId() });
    await quiet.initTransactions();
    const before = link.requests.length;
    await quiet.transaction(async () => undefined);
    expect(link.requests.length).toBe(before);
    await producer.close();
    expect(await readAll(topic, "read_committed", 2)).toEqual(["x0", "x1"]);
  });

  it("a second producer with the same transactional id fences the first: ProducerFencedError, and its open transaction is aborted", async () => {
    const topic = await createTopic(1);
    const id = txnId();
    const zombie = new Producer({ ...brokerLink().options, transactionalId: id, retry: fast });
    await zombie.beginTransaction();
    await zombie.send({ topic, value: "zombie" });
    const fresh = new Producer({ ...brokerLink().options, transactionalId: id, retry: fast });
    await fresh.transaction(async (tx) => {
      await tx.send({ topic, value: "fresh" });
    });
    const err = await zombie.commitTransaction().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProducerFencedError);
    expect(err).toBeInstanceOf(EdgebrokerError);
    expect(err).toMatchObject({ code: "producer_fenced", name: "ProducerFencedError", retriable: false });
    // Fenced for good: nothing more is sent.
    await expect(zombie.beginTransaction()).rejects.toBeInstanceOf(ProducerFencedError);
    await expect(zombie.transaction(async () => undefined)).rejects.toBeInstanceOf(ProducerFencedError);
    expect(await readAll(topic, "read_committed", 1)).toEqual(["fresh"]);
  });

  it("a failed send makes the commit abort and throw that failure", async () => {
    const topic = await createTopic(1);
    const producer = new Producer({ ...brokerLink().options, transactionalId: txnId(), retry: fast });
    await producer.beginTransaction();
    await producer.send({ topic, value: "kept?" });
    const failed = producer.send({ topic: "no-such-topic-for-txn", partition: 0, value: "x" }).catch((e: unknown) => e);
    const err = await producer.commitTransaction().catch((e: unknown) => e);
    expect(err).toBe(await failed);
    expect(err).toMatchObject({ code: "topic_not_found" });
    expect((await fetchRecords(topic, 0, "offset=0&isolation=read_committed")).records).toEqual([]);
    await producer.transaction(async (tx) => void (await tx.send({ topic, value: "after" })));
    expect(await readAll(topic, "read_committed", 1)).toEqual(["after"]);
  });

  it("consume-transform-produce: offsets sent with the transaction are committed only when it commits", async () => {
    const [input, output] = [await createTopic(1), await createTopic(1)];
    await produce(
      input,
      [0, 1, 2, 3, 4, 5].map((value) => ({ value })),
    );
    const group = `sdk-eos-${Date.now().toString(36)}-${ids++}`;
    const consumerOpts = {
      ...brokerLink().options,
      group,
      topics: [input],
      autoOffsetReset: "earliest" as const,
      waitMs: 50,
      autoCommit: false,
      isolation: "read_committed" as const,
    };
    const producer = new Producer({ ...brokerLink().options, transactionalId: txnId(), retry: fast });
    const committed = async () => (await new Admin(brokerLink().options).describeGroup(group)).offsets[0]?.offset ?? 0;
    // Two runs of the loop: the first fails in its third transaction (as a crash would), the
    // second resumes from the committed offset. Every input's output is committed exactly once.
    let failOn: number | undefined = 2;
    for (let run = 0; run < 2; run++) {
      const consumer = new Consumer(consumerOpts);
      try {
        for await (const r of consumer) {
          await producer.transaction(async (tx) => {
            await tx.send({ topic: output, value: (r.value as number) * 10 });
            await tx.sendOffsets({ consumer });
            if (r.value === failOn) throw new Error("transform failed");
          });
          if (r.value === 5) break;
        }
      } catch (e) {
        expect((e as Error).message).toBe("transform failed");
        failOn = undefined;
        expect(await committed()).toBe(2);
      } finally {
        await consumer.close();
      }
    }
    await producer.close();
    expect(await committed()).toBe(6);
    const out = (await fetchRecords(output, 0, "offset=0&isolation=read_committed")).records.map((r: any) => r.value);
    expect(out).toEqual([0, 10, 20, 30, 40, 50]);
    // read_uncommitted also sees the aborted attempt's output.
    const all = (await fetchRecords(output, 0, "offset=0")).records.map((r: any) => r.value);
    expect(all).toEqual([0, 10, 20, 20, 30, 40, 50]);
  });

  it("read_committed consumers in a group see only committed transactions, in order, each once", async () => {
    const topic = await createTopic(2);
    const producer = new Producer({ ...brokerLink().options, transactionalId: txnId(), retry: fast });
    const expected: string[] = [];
    for (let t = 0; t < 6; t++) {
      const commit = t % 3 !== 1;
      await producer.beginTransaction();
      for (let p = 0; p < 2; p++) await producer.send({ topic, partition: p, value: `t${t}-p${p}` });
      if (commit) {
        await producer.commitTransaction();
        expected.push(`t${t}-p0`, `t${t}-p1`);
      } else await producer.abortTransaction();
    }
    await producer.close();
    const consumer = new Consumer({
      ...brokerLink().options,
      group: `sdk-rc-${Date.now().toString(36)}-${ids++}`,
      topics: [topic],
      autoOffsetReset: "earliest",
      waitMs: 50,
      isolation: "read_committed",
    });
    const seen = await take(consumer, expected.length);
    // Without a group too (every partition read by this consumer).
    const reader = new Consumer({
      ...brokerLink().options,
      topics: [topic],
      autoOffsetReset: "earliest",
      waitMs: 50,
      isolation: "read_committed",
    });
    const read = await take(reader, expected.length);
    for (const got of [seen, read]) {
      for (const p of [0, 1]) {
        const mine = got.filter((r) => r.partition === p).map((r) => r.value);
        expect(mine).toEqual(expected.filter((v) => v.endsWith(`p${p}`)));
      }
    }
    expect(() => new Consumer({ ...brokerLink().options, topics: [topic], isolation: "committed" as never })).toThrow(/isolation/);
  });
});
