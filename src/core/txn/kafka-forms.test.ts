// The coordinator's Kafka-protocol forms (src/kafka/txn/) and the partition read a Kafka
// read_committed Fetch makes, on real SQLite and the real WASM core: transactions that keep the
// producer's epoch (EndTxn before KIP-890 part 2), the KIP-890 part 1 check a transactional
// Produce / TxnOffsetCommit makes, InitProducerId v3+ with the current producer (KIP-360), and
// `abortedList` reads that keep aborted batches and list the aborted transactions.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeRecords, encodeBatch, readBatchHeader, TRANSACTIONAL_FLAG } from "../batch/record-batch.ts";
import type { LogCore } from "../batch/log-core.ts";
import { PartitionLog } from "../log/partition-log.ts";
import { openStorage, type SqliteStorage } from "../../runtime/sqlite-port.ts";
import { openNodeDatabase } from "../../runtime/sqlite-node.ts";
import { loadLogCore } from "../../../test/core-support/load-log-core.ts";
import { TxnService } from "./service.ts";

let dir: string;
let core: LogCore;
let log: PartitionLog;
let coordinator: TxnService;
const stores: SqliteStorage[] = [];
const ADDR = { topic: "t", partition: 0, epoch: 1 };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "eb-ktxn-"));
  core = await loadLogCore();
  const storage = (name: string) => {
    const s = openStorage(openNodeDatabase, join(dir, `${name}.sqlite`));
    stores.push(s);
    return s;
  };
  log = PartitionLog.open(storage("p0"), core);
  let nextId = 500;
  coordinator = new TxnService(storage("c"), {
    writeMarker: (p, m) => log.writeMarker({ ...p, ...m }),
    newProducerId: async () => ({ ok: true as const, producer_id: nextId++, producer_epoch: 0 }),
  });
});
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function produce(p: { producerId: number; producerEpoch: number }, seq: number, value: string) {
  const batch = encodeBatch([{ key: null, value: new TextEncoder().encode(value), headers: [], timestamp: 1_700_000_000_000 }], {
    crc32c: (b) => core.crc32c(b),
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    baseSequence: seq,
    attributes: TRANSACTIONAL_FLAG,
  });
  return log.append({ ...ADDR, batches: batch, transactional: true });
}

async function read(abortedList: boolean) {
  const r = await log.read({
    ...ADDR,
    offset: 0,
    maxBytes: 1 << 20,
    maxRecords: 1000,
    waitMs: 0,
    isolation: "read_committed",
    abortedList,
  });
  if (!r.ok) throw new Error(r.error.message);
  return { ...r, values: decodeRecords(r.batches).map((x) => new TextDecoder().decode(x.value!)) };
}

async function init(expected?: { producerId: number; producerEpoch: number }) {
  const r = await coordinator.initKafka({ transactionalId: "k", expected });
  if (!r.ok) throw new Error(JSON.stringify(r));
  return { transactionalId: "k", producerId: r.producer_id, producerEpoch: r.producer_epoch };
}

describe("Kafka transactions at the coordinator", () => {
  it("EndTxn with bumpEpoch false: consecutive transactions at one epoch, sequences continuing, each ended for real", async () => {
    const p = await init();
    const outcomes = [
      ["a", true],
      ["b", true],
      ["c", false],
      ["d", true],
    ] as const;
    for (const [i, [value, commit]] of outcomes.entries()) {
      expect(coordinator.addPartitions({ ...p, partitions: [ADDR] })).toEqual({ ok: true });
      expect((await produce(p, i, value)).ok).toBe(true);
      // The second commit at the same epoch is a new transaction's, not a retry of the first.
      expect(await coordinator.end({ ...p, commit, bumpEpoch: false })).toMatchObject({
        ok: true,
        producer_epoch: p.producerEpoch,
        state: commit ? "CompleteCommit" : "CompleteAbort",
      });
    }
    expect((await read(false)).values).toEqual(["a", "b", "d"]);
    expect(coordinator.describe("k")).toMatchObject({ producer_epoch: p.producerEpoch, partitions: [] });
  });

  it("verify names the partitions and groups the open transaction lacks; a fenced producer is refused", async () => {
    const p = await init();
    expect(coordinator.verify({ ...p, partitions: [{ topic: "t", partition: 0 }], groups: ["g"] })).toEqual({
      ok: true,
      missing: [{ topic: "t", partition: 0 }],
      missingGroups: ["g"],
    });
    coordinator.addPartitions({ ...p, partitions: [ADDR] });
    coordinator.addOffsets({ ...p, group: "g" });
    expect(
      coordinator.verify({
        ...p,
        partitions: [
          { topic: "t", partition: 0 },
          { topic: "t", partition: 1 },
        ],
        groups: ["g"],
      }),
    ).toEqual({
      ok: true,
      missing: [{ topic: "t", partition: 1 }],
      missingGroups: [],
    });
    const next = await init(); // a new incarnation: the open transaction is aborted
    expect(next.producerEpoch).toBe(p.producerEpoch + 1);
    expect(coordinator.verify({ ...p, partitions: [] })).toMatchObject({ ok: false, error: { code: "producer_fenced" } });
  });

  it("InitProducerId v3+ (KIP-360) bumps only from the current producer id and epoch", async () => {
    const p = await init();
    const bumped = await init({ producerId: p.producerId, producerEpoch: p.producerEpoch });
    expect(bumped).toMatchObject({ producerId: p.producerId, producerEpoch: p.producerEpoch + 1 });
    expect(
      await coordinator.initKafka({ transactionalId: "k", expected: { producerId: p.producerId, producerEpoch: p.producerEpoch } }),
    ).toMatchObject({
      ok: false,
      error: { code: "producer_fenced" },
    });
    expect(await coordinator.initKafka({ transactionalId: "k", expected: { producerId: 1, producerEpoch: 0 } })).toMatchObject({
      ok: false,
      error: { code: "producer_fenced" },
    });
  });
});

describe("read_committed with abortedList (a Kafka Fetch)", () => {
  it("keeps aborted batches and markers, lists the aborted transactions, and stops at the last stable offset", async () => {
    const p = await init();
    for (const [i, [value, commit]] of (
      [
        ["kept", true],
        ["dropped", false],
      ] as const
    ).entries()) {
      coordinator.addPartitions({ ...p, partitions: [ADDR] });
      await produce(p, i, value);
      await coordinator.end({ ...p, commit, bumpEpoch: false });
    }
    // Offsets: kept 0, commit marker 1, dropped 2, abort marker 3; then an open transaction at 4.
    coordinator.addPartitions({ ...p, partitions: [ADDR] });
    await produce(p, 2, "open");
    const kafka = await read(true);
    expect(kafka).toMatchObject({ lastStableOffset: 4, highWatermark: 5, nextOffset: 4 });
    expect(kafka.abortedTransactions).toEqual([{ producerId: p.producerId, firstOffset: 2 }]);
    expect(kafka.values).toEqual(["kept", "dropped"]);
    const offsets: number[] = [];
    for (let pos = 0; pos < kafka.batches.length; pos += readBatchHeader(kafka.batches, pos).size)
      offsets.push(readBatchHeader(kafka.batches, pos).baseOffset);
    expect(offsets).toEqual([0, 1, 2, 3]);
    // The HTTP form of the same read leaves the aborted batch out itself.
    const http = await read(false);
    expect(http.values).toEqual(["kept"]);
    expect(http.abortedTransactions).toBeUndefined();
  });
});
