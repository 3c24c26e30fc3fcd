// Kafka transactions with an unmodified kafkajs 2.2.4, written once and run against every host
// (txn-kafkajs.test.ts on Node, txn-hosts.test.ts on Bun, Deno and workerd through kafka-proxy):
// commit and abort across two topics and three partitions read by read_committed and
// read_uncommitted consumers, exactly-once consume-transform-produce with sendOffsets, and a
// zombie producer fenced by a new incarnation of its transactional id. Every wait ends on a record
// a committed transaction wrote last (a sentinel), never on a timer.
import { expect } from "vitest";
import type { Kafka, KafkaMessage } from "kafkajs";
import { until } from "./groups-support.ts";

export type Seen = Record<string, string[]>;

/** A fresh group reads `topics` from the beginning until every listed partition's last value is `sentinel`. */
export async function readAll(
  kafka: Kafka,
  group: string,
  topics: string[],
  partitions: string[],
  sentinel: string,
  readUncommitted = false,
): Promise<Seen> {
  const seen: Seen = Object.fromEntries(partitions.map((p) => [p, []]));
  const consumer = kafka.consumer({
    groupId: group,
    readUncommitted,
    maxWaitTimeInMs: 200,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
  });
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => void (seen[`${topic}/${partition}`] ??= []).push(message.value!.toString()),
    });
    await until(
      async () => partitions.every((p) => seen[p]!.at(-1)?.startsWith(sentinel)) || undefined,
      `${sentinel} on ${partitions.join(", ")}`,
    );
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

export function txnProducer(kafka: Kafka, transactionalId: string) {
  return kafka.producer({ transactionalId, maxInFlightRequests: 1, idempotent: true });
}

/** Transactions t1 (commit), t2 (abort), t3 (commit), end (commit), each writing to A/0, A/1 and B/0. */
export async function commitAndAbort(kafka: Kafka, prefix: string): Promise<{ committed: Seen; uncommitted: Seen }> {
  const [a, b] = [`${prefix}-a`, `${prefix}-b`];
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: a, numPartitions: 2 },
      { topic: b, numPartitions: 1 },
    ],
  });
  await admin.disconnect();
  const producer = txnProducer(kafka, `${prefix}-writer`);
  await producer.connect();
  try {
    for (const [tag, commit] of [
      ["t1", true],
      ["t2", false],
      ["t3", true],
      ["end", true],
    ] as const) {
      const tx = await producer.transaction();
      await tx.send({
        topic: a,
        messages: [
          { value: `${tag}-a0`, partition: 0 },
          { value: `${tag}-a1`, partition: 1 },
        ],
      });
      await tx.send({ topic: b, messages: [{ value: `${tag}-b0`, partition: 0 }] });
      await (commit ? tx.commit() : tx.abort());
    }
  } finally {
    await producer.disconnect();
  }
  const parts = [`${a}/0`, `${a}/1`, `${b}/0`];
  const committed = await readAll(kafka, `${prefix}-rc`, [a, b], parts, "end");
  const uncommitted = await readAll(kafka, `${prefix}-ru`, [a, b], parts, "end", true);
  const expectTags = (seen: Seen, tags: string[]) =>
    expect(seen).toEqual({
      [`${a}/0`]: tags.map((t) => `${t}-a0`),
      [`${a}/1`]: tags.map((t) => `${t}-a1`),
      [`${b}/0`]: tags.map((t) => `${t}-b0`),
    });
  expectTags(committed, ["t1", "t3", "end"]);
  expectTags(uncommitted, ["t1", "t2", "t3", "end"]);
  return { committed, uncommitted };
}

/**
 * Consume-transform-produce: each input record becomes an output record and the group's offset in
 * one transaction (sendOffsets). The transaction for "c" aborts: its output is never read
 * committed, and its offset is not committed, so the next member of the group starts at "c".
 */
export async function consumeTransformProduce(kafka: Kafka, prefix: string): Promise<void> {
  const [input, output, group] = [`${prefix}-in`, `${prefix}-out`, `${prefix}-ctp`];
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: input, numPartitions: 1 },
      { topic: output, numPartitions: 1 },
    ],
  });
  const plain = kafka.producer();
  await plain.connect();
  await plain.send({ topic: input, messages: ["a", "b", "c"].map((value) => ({ value })) });
  await plain.disconnect();

  const producer = txnProducer(kafka, `${prefix}-ctp-writer`);
  await producer.connect();
  const processed: string[] = [];
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 200, sessionTimeout: 10_000, heartbeatInterval: 500 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }: { topic: string; partition: number; message: KafkaMessage }) => {
        if (processed.length >= 3) return;
        const value = message.value!.toString();
        const tx = await producer.transaction();
        await tx.send({ topic: output, messages: [{ value: `${value}!` }] });
        await tx.sendOffsets({
          consumerGroupId: group,
          topics: [{ topic, partitions: [{ partition, offset: String(Number(message.offset) + 1) }] }],
        });
        await (value === "c" ? tx.abort() : tx.commit());
        processed.push(value);
      },
    });
    await until(async () => processed.length === 3 || undefined, "the three input records processed");
  } finally {
    await consumer.disconnect();
  }
  // b's transaction committed offset 2; c's abort dropped its offset 3.
  const offsets = await admin.fetchOffsets({ groupId: group, topics: [input] });
  expect(offsets[0]!.partitions).toEqual([expect.objectContaining({ partition: 0, offset: "2" })]);
  await admin.disconnect();

  // The group's next member resumes at c, and commits it this time.
  const resumed: string[] = [];
  const next = kafka.consumer({ groupId: group, maxWaitTimeInMs: 200, sessionTimeout: 10_000, heartbeatInterval: 500 });
  try {
    await next.connect();
    await next.subscribe({ topic: input, fromBeginning: true });
    await next.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const value = message.value!.toString();
        resumed.push(value);
        const tx = await producer.transaction();
        await tx.send({ topic: output, messages: [{ value: `${value}!` }] });
        await tx.sendOffsets({
          consumerGroupId: group,
          topics: [{ topic, partitions: [{ partition, offset: String(Number(message.offset) + 1) }] }],
        });
        await tx.commit();
      },
    });
    await until(async () => resumed.length >= 1 || undefined, "the next member's first record");
  } finally {
    await next.disconnect();
    await producer.disconnect();
  }
  expect(resumed[0]).toBe("c");
  const seen = await readAll(kafka, `${prefix}-check`, [output], [`${output}/0`], "c!");
  expect(seen[`${output}/0`]).toEqual(["a!", "b!", "c!"]);
  const all = await readAll(kafka, `${prefix}-check-ru`, [output], [`${output}/0`], "c!", true);
  expect(all[`${output}/0`]).toEqual(["a!", "b!", "c!", "c!"]);
}

/** A second incarnation of a transactional id fences the first: its open transaction is aborted and its writes are refused. */
export async function zombieFenced(kafka: Kafka, prefix: string): Promise<void> {
  const topic = `${prefix}-zombie`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
  const zombie = txnProducer(kafka, `${prefix}-fenced`);
  const heir = txnProducer(kafka, `${prefix}-fenced`);
  await Promise.all([zombie.connect(), heir.connect()]);
  try {
    const old = await zombie.transaction(); // kafkajs sends InitProducerId with the first transaction
    await old.send({ topic, messages: [{ value: "zombie-1", partition: 0 }] });
    const tx = await heir.transaction(); // InitProducerId: the next epoch; the zombie's open transaction is aborted
    const refused = await old.send({ topic, messages: [{ value: "zombie-2", partition: 0 }] }).then(
      () => undefined,
      (err: { type?: string }) => err,
    );
    expect(refused?.type).toBe("INVALID_PRODUCER_EPOCH");
    await expect(old.commit()).rejects.toThrow();
    await tx.send({ topic, messages: [{ value: "heir-1", partition: 0 }] });
    await tx.commit();
  } finally {
    await Promise.allSettled([zombie.disconnect(), heir.disconnect()]);
  }
  const committed = await readAll(kafka, `${prefix}-zombie-rc`, [topic], [`${topic}/0`], "heir-1");
  expect(committed[`${topic}/0`]).toEqual(["heir-1"]);
}
