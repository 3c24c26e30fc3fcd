// Transactions end to end inside workerd (docs/transactions.md): the coordinator object, markers
// written into partition objects, the last stable offset and read_committed fetches, fencing,
// the timeout alarm, and the routes' refusals.
import { describe, expect, it } from "vitest";
import { runDurableObjectAlarm } from "cloudflare:test";
import { call, createTopic, expectError, fetchRecords, json, partitionStub, produce, testEnv } from "./api-support.ts";
import { describeGroup, join, newGroup, poll } from "./groups-support.ts";

let ids = 0;
const txnId = () => `tx-${Date.now().toString(36)}-${ids++}`;

async function init(id: string, body: unknown = {}): Promise<{ producer_id: number; producer_epoch: number }> {
  const res = await json(`/v1/transactions/${id}/init`, "POST", body);
  const out = (await res.json()) as any;
  expect(res.status, JSON.stringify(out)).toBe(200);
  return out;
}

/** A transactional produce of `values` to one partition, sequence numbers from `seq`. */
function txProduce(
  id: string,
  p: { producer_id: number; producer_epoch: number },
  topic: string,
  partition: number,
  seq: number,
  values: unknown[],
): Promise<Response> {
  return json(
    `/v1/topics/${topic}/records?partition=${partition}`,
    "POST",
    { records: values.map((value) => ({ value })) },
    {
      "transactional-id": id,
      "producer-id": String(p.producer_id),
      "producer-epoch": String(p.producer_epoch),
      "producer-seq": String(seq),
    },
  );
}

async function end(id: string, p: { producer_id: number; producer_epoch: number }, verb: "commit" | "abort"): Promise<any> {
  const res = await json(`/v1/transactions/${id}/${verb}`, "POST", p);
  const out = (await res.json()) as any;
  expect(res.status, JSON.stringify(out)).toBe(200);
  return out;
}

const ident = (r: any) => ({ producer_id: r.producer_id as number, producer_epoch: r.producer_epoch as number });
const values = (body: any) => body.records.map((r: any) => r.value);

describe("transactions", () => {
  it("read_committed sees a transaction only once committed, never an aborted one; read_uncommitted sees all but markers", async () => {
    const topic = await createTopic(2);
    const id = txnId();
    let p = await init(id);
    expect((await txProduce(id, p, topic, 0, 0, ["a1", "a2"])).status).toBe(200);
    expect((await txProduce(id, p, topic, 1, 0, ["b1"])).status).toBe(200);
    // Open: read_committed stops at the last stable offset (the transaction's first offset).
    const open = await fetchRecords(topic, 0, "offset=0&isolation=read_committed");
    expect(open.records).toEqual([]);
    expect(open.last_stable_offset).toBe(0);
    expect(open.high_watermark).toBe(2);
    expect(values(await fetchRecords(topic, 0, "offset=0"))).toEqual(["a1", "a2"]);
    const described = (await (await call(`/v1/transactions/${id}`)).json()) as any;
    expect(described.state).toBe("Ongoing");
    expect(described.partitions).toEqual([
      { topic, partition: 0 },
      { topic, partition: 1 },
    ]);

    const committed = await end(id, p, "commit");
    expect(committed.state).toBe("CompleteCommit");
    expect(committed.producer_epoch).toBe(p.producer_epoch + 1);
    p = ident(committed);
    const after = await fetchRecords(topic, 0, "offset=0&isolation=read_committed");
    expect(values(after)).toEqual(["a1", "a2"]);
    expect(after.next_offset).toBe(3); // past the commit marker at offset 2
    expect(values(await fetchRecords(topic, 1, "offset=0&isolation=read_committed"))).toEqual(["b1"]);

    // The next transaction is aborted: its records are never shown to read_committed.
    expect((await txProduce(id, p, topic, 0, 0, ["x1"])).status).toBe(200);
    const aborted = await end(id, p, "abort");
    expect(aborted.state).toBe("CompleteAbort");
    p = ident(aborted);
    expect((await txProduce(id, p, topic, 0, 0, ["c1"])).status).toBe(200);
    p = ident(await end(id, p, "commit"));
    const all = await fetchRecords(topic, 0, "offset=0&isolation=read_committed");
    expect(values(all)).toEqual(["a1", "a2", "c1"]);
    // Markers are never records; read_uncommitted shows the aborted record too.
    expect(values(await fetchRecords(topic, 0, "offset=0"))).toEqual(["a1", "a2", "x1", "c1"]);
    // Paging one record at a time from the aborted record: pages holding only aborted data or a
    // marker are empty but move next_offset on, so a reader never sticks.
    let at = 3;
    const seen: unknown[] = [];
    for (let i = 0; i < 4 && seen.length === 0; i++) {
      const page = await fetchRecords(topic, 0, `offset=${at}&isolation=read_committed&max_records=1`);
      expect(page.next_offset).toBeGreaterThan(at);
      at = page.next_offset;
      seen.push(...values(page));
    }
    expect(seen).toEqual(["c1"]);

    const stats = (await partitionStub(topic, 0).stats({ topic, partition: 0, epoch: await topicEpoch(topic) })) as any;
    expect(stats.aborted_transactions).toBe(1);
    expect(stats.open_transactions).toBe(0);
    expect(stats.last_stable_offset).toBe(stats.end_offset);
  });

  it("a new incarnation fences the old one at the coordinator and aborts its open transaction everywhere", async () => {
    const topic = await createTopic(2);
    const id = txnId();
    const old = await init(id);
    expect((await txProduce(id, old, topic, 0, 0, ["zombie"])).status).toBe(200);
    const fresh = await init(id);
    expect(fresh.producer_id).toBe(old.producer_id);
    expect(fresh.producer_epoch).toBeGreaterThan(old.producer_epoch);
    // Refused at the coordinator, also on a partition the old epoch never wrote to.
    await expectError(await txProduce(id, old, topic, 1, 0, ["late"]), 409, "producer_fenced");
    await expectError(await json(`/v1/transactions/${id}/commit`, "POST", old), 409, "producer_fenced");
    // Its open transaction was aborted: the partition's stable offset moved on, nothing shown.
    const read = await fetchRecords(topic, 0, "offset=0&isolation=read_committed");
    expect(read.records).toEqual([]);
    expect(read.last_stable_offset).toBe(read.high_watermark);
    expect((await txProduce(id, fresh, topic, 0, 0, ["new"])).status).toBe(200);
    await end(id, fresh, "commit");
    expect(values(await fetchRecords(topic, 0, "offset=0&isolation=read_committed"))).toEqual(["new"]);
  });

  it("the coordinator's alarm aborts a transaction open past its timeout and fences its producer", async () => {
    const topic = await createTopic(1);
    const id = txnId();
    const p = await init(id, { transaction_timeout_ms: 1 });
    expect((await txProduce(id, p, topic, 0, 0, ["abandoned"])).status).toBe(200);
    const stub = testEnv.TXN.get(testEnv.TXN.idFromName(id));
    await new Promise((r) => setTimeout(r, 5));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const described = (await (await call(`/v1/transactions/${id}`)).json()) as any;
    expect(described.state).toBe("CompleteAbort");
    expect(described.producer_epoch).toBe(p.producer_epoch + 1);
    await expectError(await json(`/v1/transactions/${id}/commit`, "POST", p), 409, "producer_fenced");
    const read = await fetchRecords(topic, 0, "offset=0&isolation=read_committed&wait_ms=0");
    expect(read.records).toEqual([]);
    expect(read.last_stable_offset).toBe(2);
  });

  it("a marker sent twice is written once (the coordinator re-drives markers after a restart)", async () => {
    const topic = await createTopic(1);
    const epoch = await topicEpoch(topic);
    const id = txnId();
    const p = await init(id);
    expect((await txProduce(id, p, topic, 0, 0, ["r"])).status).toBe(200);
    const marker = {
      topic,
      partition: 0,
      epoch,
      producerId: p.producer_id,
      producerEpoch: p.producer_epoch + 1,
      commit: true,
      coordinatorEpoch: 0,
    };
    const first = await partitionStub(topic, 0).writeMarker(marker);
    const again = await partitionStub(topic, 0).writeMarker(marker);
    expect(first).toMatchObject({ ok: true, written: true, offset: 1 });
    expect(again).toMatchObject({ ok: true, written: false });
    // The coordinator's own end now finds the partition closed: still one marker in the log.
    await end(id, p, "commit");
    const read = await fetchRecords(topic, 0, "offset=0&isolation=read_committed");
    expect(values(read)).toEqual(["r"]);
    expect(read.high_watermark).toBe(2);
  });

  it("consume-transform-produce: offsets committed in the transaction are visible only on commit, dropped on abort", async () => {
    const input = await createTopic(1);
    const output = await createTopic(1);
    await produce(input, [{ value: 1 }, { value: 2 }]);
    const group = newGroup();
    const m = await join(group, { topics: [input], auto_offset_reset: "earliest" });
    const polled = await poll(group, m.member_id, m.member_epoch);
    expect(polled.records.map((r) => r.value)).toEqual([1, 2]);
    const id = txnId();
    let p = await init(id);
    const offsets = (offset: number) => ({
      ...p,
      group,
      member_id: m.member_id,
      member_epoch: polled.member_epoch,
      offsets: [{ topic: input, partition: 0, offset }],
    });
    const committedOffset = async () => (await describeGroup(group)).offsets.find((o: any) => o.topic === input)?.offset;
    // Aborted: the output is never visible, the offset never moves.
    expect((await txProduce(id, p, output, 0, 0, [10])).status).toBe(200);
    expect((await json(`/v1/transactions/${id}/offsets`, "POST", offsets(1))).status).toBe(200);
    p = ident(await end(id, p, "abort"));
    expect(await committedOffset()).toBeUndefined();
    // Committed: output and offset together.
    expect((await txProduce(id, p, output, 0, 0, [20, 40])).status).toBe(200);
    expect((await json(`/v1/transactions/${id}/offsets`, "POST", offsets(2))).status).toBe(200);
    expect(((await (await call(`/v1/transactions/${id}`)).json()) as any).groups).toEqual([group]);
    expect(await committedOffset()).toBeUndefined();
    await end(id, p, "commit");
    expect(await committedOffset()).toBe(2);
    expect(values(await fetchRecords(output, 0, "offset=0&isolation=read_committed"))).toEqual([20, 40]);
    // A stale member epoch is refused (KIP-447): a fenced consumer cannot commit through a transaction.
    const q = ident(await init(id));
    await expectError(
      await json(`/v1/transactions/${id}/offsets`, "POST", { ...offsets(2), ...q, member_epoch: polled.member_epoch + 5 }),
      409,
      "stale_epoch",
    );
  });

  it("refuses what breaks the protocol with Kafka's codes", async () => {
    const topic = await createTopic(1);
    const id = txnId();
    await expectError(
      await json(`/v1/transactions/${id}/commit`, "POST", { producer_id: 1, producer_epoch: 0 }),
      404,
      "transactional_id_not_found",
    );
    const p = await init(id);
    await expectError(await json(`/v1/transactions/${id}/commit`, "POST", p), 409, "invalid_txn_state");
    await expectError(
      await json(`/v1/transactions/${id}/commit`, "POST", { ...p, producer_id: p.producer_id + 1 }),
      409,
      "invalid_producer_id_mapping",
    );
    await expectError(
      await json(`/v1/transactions/${id}/commit`, "POST", { ...p, producer_epoch: p.producer_epoch + 1 }),
      409,
      "invalid_producer_epoch",
    );
    await expectError(
      await json(`/v1/transactions/${id}/init`, "POST", { transaction_timeout_ms: 900_001 }),
      400,
      "invalid_transaction_timeout",
    );
    await expectError(await json(`/v1/transactions/bad%20id/init`, "POST", {}), 400, "invalid_parameter");
    // A transactional produce without the producer headers; a control batch is never accepted from a client.
    await expectError(
      await json(`/v1/topics/${topic}/records`, "POST", { records: [{ value: 1 }] }, { "transactional-id": id }),
      400,
      "bad_request",
    );
    // A key with produce on the topic but no grant on the transactional id.
    const key = await json("/v1/keys", "POST", { name: "txn-less", grants: [{ operation: "produce", resource: `topic:${topic}` }] });
    const { secret } = (await key.json()) as any;
    await expectError(
      await json(`/v1/transactions/${id}/init`, "POST", {}, { authorization: `Bearer ${secret}` }),
      403,
      "transactional_id_authorization_failed",
    );
    const allowed = await json("/v1/keys", "POST", {
      name: "txn-ok",
      grants: [{ operation: "produce", resource: "transactional_id:tx-*" }],
    });
    expect(allowed.status).toBe(201);
    const list = (await (await call("/v1/transactions")).json()) as any;
    expect(list.transactions.some((t: any) => t.transactional_id === id)).toBe(true);
  });
});

async function topicEpoch(topic: string): Promise<number> {
  const described = (await testEnv.CLUSTER.get(testEnv.CLUSTER.idFromName("cluster")).describeTopic(topic)) as any;
  return described.topic?.epoch ?? described.epoch;
}
