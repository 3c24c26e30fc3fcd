// Kafka transactions on the standalone Node broker's Kafka listener (KIP-98): kafkajs 2.2.4
// transactions (commit and abort across topics, sendOffsets, a fenced zombie; txn-scenarios.ts),
// kcat / librdkafka 2.0.2 as a transactional producer and as a read_committed consumer of
// transactions made over Kafka and over HTTP, the transactional-id grants, and the protocol
// details kafkajs does not reach (a transactional Produce to a partition never added,
// DescribeTransactions, ListTransactions) at the byte level.
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Reader } from "../../src/kafka/protocol/reader.ts";
import { LogCore } from "../../src/core/batch/log-core.ts";
import { encodeBatch } from "../../src/core/batch/record-batch.ts";
import { WASM_URL } from "../../src/runtime/broker.ts";
import { authenticate, RawClient, request } from "./raw-client.ts";
import { http, kafkajs, kcat, startKafkaHost, type KafkaHost } from "./support.ts";
import { commitAndAbort, consumeTransformProduce, readAll, txnProducer, zombieFenced } from "./txn-scenarios.ts";

const hasKcat = spawnSync("kcat", ["-V"]).status === 0;
let host: KafkaHost;

beforeAll(async () => {
  host = await startKafkaHost("node", { EDGEBROKER_GROUP_INITIAL_REBALANCE_DELAY_MS: "100" });
}, 60_000);
afterAll(async () => host?.stop());

const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  http(host.http, host.token, method, path, body, headers);

async function kcatValues(topic: string, partition: number, isolation: "read_committed" | "read_uncommitted"): Promise<string[]> {
  const r = await kcat(host.bootstrap, [
    "-C",
    "-t",
    topic,
    "-p",
    String(partition),
    "-o",
    "beginning",
    "-e",
    "-q",
    "-X",
    `isolation.level=${isolation}`,
    "-f",
    "%s\n",
  ]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.toString().split("\n").filter(Boolean);
}

describe("kafkajs transactions", () => {
  it("commit and abort across two topics; read_committed consumers (kafkajs, kcat) see only committed records", async () => {
    await commitAndAbort(kafkajs(host.bootstrap), "js");
    if (!hasKcat) return;
    expect(await kcatValues("js-a", 1, "read_committed")).toEqual(["t1-a1", "t3-a1", "end-a1"]);
    expect(await kcatValues("js-b", 0, "read_committed")).toEqual(["t1-b0", "t3-b0", "end-b0"]);
    expect(await kcatValues("js-b", 0, "read_uncommitted")).toEqual(["t1-b0", "t2-b0", "t3-b0", "end-b0"]);
    // Markers took offsets: 4 records + 4 markers on each partition, and no transaction open.
    const stats = (await (await api("GET", "/v1/topics/js-b")).json()) as {
      partitions: Array<{ end_offset: number; last_stable_offset: number; aborted_transactions: number }>;
    };
    expect(stats.partitions[0]).toMatchObject({ end_offset: 8, last_stable_offset: 8, aborted_transactions: 1 });
  });

  it("consume-transform-produce with sendOffsets: an aborted transaction's output and offset are both dropped", async () => {
    await consumeTransformProduce(kafkajs(host.bootstrap), "js");
  });

  it("a second incarnation of a transactional id fences the first (INVALID_PRODUCER_EPOCH), aborting its open transaction", async () => {
    await zombieFenced(kafkajs(host.bootstrap), "js");
  });

  it("an open transaction holds back read_committed readers at its first offset until it commits", async () => {
    const kafka = kafkajs(host.bootstrap);
    expect((await api("POST", "/v1/topics", { name: "js-lso", partitions: 1 })).status).toBe(201);
    const producer = txnProducer(kafka, "js-lso-writer");
    await producer.connect();
    const tx = await producer.transaction();
    await tx.send({ topic: "js-lso", messages: [{ value: "open-1" }, { value: "open-2" }] });
    // A record after the open transaction, outside it: read_committed readers wait for the transaction.
    expect((await api("POST", "/v1/topics/js-lso/records", { records: [{ value: "after" }] })).status).toBe(200);
    const page = (await (await api("GET", "/v1/topics/js-lso/partitions/0/records?offset=0&isolation=read_committed")).json()) as {
      records: unknown[];
      last_stable_offset: number;
    };
    expect(page).toMatchObject({ records: [], last_stable_offset: 0 });
    if (hasKcat) expect(await kcatValues("js-lso", 0, "read_committed")).toEqual([]);
    await tx.commit();
    await producer.disconnect();
    const seen = await readAll(kafka, "js-lso-rc", ["js-lso"], ["js-lso/0"], '"after"');
    expect(seen["js-lso/0"]!.map((v) => v.replace(/"/g, ""))).toEqual(["open-1", "open-2", "after"]);
  });

  it.skipIf(!hasKcat)("kcat / librdkafka as a transactional producer (InitProducerId v4, AddPartitionsToTxn v0, EndTxn v1)", async () => {
    expect((await api("POST", "/v1/topics", { name: "kc-txn", partitions: 2 })).status).toBe(201);
    for (const [partition, input] of [
      ["0", "a\nb\n"],
      ["1", "c\n"],
    ] as const) {
      // kcat wraps everything it produces in one transaction and commits it at the end of input.
      const produced = await kcat(host.bootstrap, ["-P", "-t", "kc-txn", "-p", partition, "-X", "transactional.id=kc-writer"], { input });
      expect(produced.code, produced.stderr).toBe(0);
      expect(produced.stderr).toContain("Transaction successfully committed");
    }
    expect(await kcatValues("kc-txn", 0, "read_committed")).toEqual(["a", "b"]);
    expect(await kcatValues("kc-txn", 1, "read_committed")).toEqual(["c"]);
    // Two transactions of one incarnation each: the epoch of the second init, kept by its commit.
    const described = (await (await api("GET", "/v1/transactions/kc-writer")).json()) as { state: string; producer_epoch: number };
    expect(described).toMatchObject({ state: "CompleteCommit", producer_epoch: 1 });
  });

  it("transactions made over HTTP are filtered for Kafka read_committed consumers too", async () => {
    expect((await api("POST", "/v1/topics", { name: "js-http", partitions: 1 })).status).toBe(201);
    const init = (await (await api("POST", "/v1/transactions/http-writer/init", {})).json()) as {
      producer_id: number;
      producer_epoch: number;
    };
    let epoch = init.producer_epoch;
    for (const [value, end] of [
      ["kept", "commit"],
      ["dropped", "abort"],
      ["last", "commit"],
    ] as const) {
      const headers = {
        "transactional-id": "http-writer",
        "producer-id": String(init.producer_id),
        "producer-epoch": String(epoch),
        "producer-seq": "0",
      };
      expect((await api("POST", "/v1/topics/js-http/records", { records: [{ value }] }, headers)).status).toBe(200);
      const ended = await api("POST", `/v1/transactions/http-writer/${end}`, { producer_id: init.producer_id, producer_epoch: epoch });
      expect(ended.status).toBe(200);
      epoch = ((await ended.json()) as { producer_epoch: number }).producer_epoch;
    }
    // JSON values arrive as their JSON text.
    const seen = await readAll(kafkajs(host.bootstrap), "js-http-rc", ["js-http"], ["js-http/0"], '"last"');
    expect(seen["js-http/0"]).toEqual(['"kept"', '"last"']);
    if (hasKcat) expect(await kcatValues("js-http", 0, "read_committed")).toEqual(['"kept"', '"last"']);
  });

  it("transactional ids need a grant: FindCoordinator answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED without one", async () => {
    expect((await api("POST", "/v1/topics", { name: "js-auth", partitions: 1 })).status).toBe(201);
    const grants = [{ operation: "produce", resource: "topic:js-auth" }];
    const without = (await (await api("POST", "/v1/keys", { name: "txn-none", grants })).json()) as { id: string; secret: string };
    const denied = txnProducer(kafkajs(host.bootstrap, { user: without.id, password: without.secret }), "auth-writer");
    await denied.connect();
    // kafkajs reports a coordinator that cannot be found; the broker's answer is checked below.
    await expect(denied.transaction()).rejects.toThrow(/coordinator/i);
    await denied.disconnect();
    const c = await RawClient.open(host.bootstrap);
    try {
      await authenticate(c, 1, { user: without.id, password: without.secret });
      // FindCoordinator v1: key "auth-writer", key type 1 (transaction).
      c.send(request(10, 1, 3, (w) => w.nullableString("auth-writer").int8(1)));
      const found = new Reader((await c.next())!);
      expect(found.int32()).toBe(3);
      found.int32(); // throttle
      expect(found.int16()).toBe(53); // TRANSACTIONAL_ID_AUTHORIZATION_FAILED
    } finally {
      c.end();
    }
    const made = await api("POST", "/v1/keys", {
      name: "txn-some",
      grants: [...grants, { operation: "produce", resource: "transactional_id:auth-*" }, { operation: "consume", resource: "*" }],
    });
    const withGrant = (await made.json()) as { id: string; secret: string };
    const kafka = kafkajs(host.bootstrap, { user: withGrant.id, password: withGrant.secret });
    const producer = txnProducer(kafka, "auth-writer");
    await producer.connect();
    const tx = await producer.transaction();
    await tx.send({ topic: "js-auth", messages: [{ value: "granted" }] });
    await tx.commit();
    await producer.disconnect();
    expect((await readAll(kafka, "js-auth-rc", ["js-auth"], ["js-auth/0"], "granted"))["js-auth/0"]).toEqual(["granted"]);
  });
});

describe("transaction protocol details", () => {
  it("refuses a transactional Produce to a partition not added to the transaction (INVALID_TXN_STATE); Describe/ListTransactions show the id", async () => {
    expect((await api("POST", "/v1/topics", { name: "raw-txn", partitions: 2 })).status).toBe(201);
    const core = await LogCore.instantiate(await readFile(WASM_URL));
    const c = await RawClient.open(host.bootstrap);
    try {
      await authenticate(c, 1);
      // InitProducerId v1 with a transactional id.
      c.send(request(22, 1, 3, (w) => w.nullableString("raw-writer").int32(60_000)));
      const init = new Reader((await c.next())!);
      expect(init.int32()).toBe(3);
      init.int32(); // throttle
      expect(init.int16()).toBe(0);
      const producerId = Number(init.int64n());
      const producerEpoch = init.int16();
      // AddPartitionsToTxn v1: raw-txn partition 0 only.
      c.send(
        request(24, 1, 4, (w) => {
          w.nullableString("raw-writer").int64(BigInt(producerId)).int16(producerEpoch);
          w.int32(1).nullableString("raw-txn").int32(1).int32(0);
        }),
      );
      const added = new Reader((await c.next())!);
      expect(added.int32()).toBe(4);
      added.int32();
      expect([added.int32(), added.nullableString(), added.int32(), added.int32(), added.int16()]).toEqual([1, "raw-txn", 1, 0, 0]);
      // Produce v7 of one transactional batch to partitions 0 (added) and 1 (not added).
      const batch = (seq: number) =>
        encodeBatch([{ key: null, value: new TextEncoder().encode("x"), headers: [], timestamp: Date.now() }], {
          crc32c: (b) => core.crc32c(b),
          producerId,
          producerEpoch,
          baseSequence: seq,
          attributes: 0x10,
        });
      c.send(
        request(0, 7, 5, (w) => {
          w.nullableString("raw-writer").int16(-1).int32(5_000).int32(1).nullableString("raw-txn").int32(2);
          w.int32(0).nullableBytes(batch(0));
          w.int32(1).nullableBytes(batch(0));
        }),
      );
      const produced = new Reader((await c.next())!);
      expect(produced.int32()).toBe(5);
      expect([produced.int32(), produced.nullableString(), produced.int32()]).toEqual([1, "raw-txn", 2]);
      const partition = () => {
        const p = { index: produced.int32(), errorCode: produced.int16(), baseOffset: Number(produced.int64n()) };
        produced.int64n(); // log append time
        produced.int64n(); // log start offset
        return p;
      };
      expect(partition()).toEqual({ index: 0, errorCode: 0, baseOffset: 0 });
      expect(partition()).toMatchObject({ index: 1, errorCode: 48 }); // INVALID_TXN_STATE

      // DescribeTransactions v0 (flexible): Ongoing with raw-txn [0].
      c.send(request(65, 0, 6, (w) => w.uvarint(2).compactNullableString("raw-writer").uvarint(0), true));
      const d = new Reader((await c.next())!);
      expect(d.int32()).toBe(6);
      d.uvarint(); // response header tags
      d.int32();
      expect(d.uvarint()).toBe(2);
      expect(d.int16()).toBe(0);
      expect(d.compactNullableString()).toBe("raw-writer");
      expect(d.compactNullableString()).toBe("Ongoing");
      expect(d.int32()).toBe(60_000);
      expect(Number(d.int64n())).toBeGreaterThan(0);
      expect(Number(d.int64n())).toBe(producerId);
      expect(d.int32()).toBe(producerEpoch);
      expect(d.uvarint()).toBe(2);
      expect(d.compactNullableString()).toBe("raw-txn");
      expect(d.uvarint()).toBe(2);
      expect(d.int32()).toBe(0);

      // ListTransactions v1 filtered to Ongoing.
      c.send(request(66, 1, 7, (w) => w.uvarint(2).compactNullableString("Ongoing").uvarint(1).int64(-1n).uvarint(0), true));
      const l = new Reader((await c.next())!);
      expect(l.int32()).toBe(7);
      l.uvarint();
      l.int32();
      expect(l.int16()).toBe(0);
      const n = l.uvarint() - 1;
      const listed: Array<[string, number, string]> = [];
      for (let i = 0; i < n; i++) {
        listed.push([l.compactNullableString() ?? "", Number(l.int64n()), l.compactNullableString() ?? ""]);
        l.uvarint();
      }
      expect(listed).toContainEqual(["raw-writer", producerId, "Ongoing"]);
      expect(listed.every(([, , state]) => state === "Ongoing")).toBe(true);
    } finally {
      c.end();
    }
  });
});
