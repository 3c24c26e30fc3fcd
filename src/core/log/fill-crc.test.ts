// AppendRequest.fillCrc: a batch the broker encoded (a JSON or MessagePack produce body) reaches
// the partition with its CRC-32C field unwritten, and the partition writes the CRC as it
// validates the batch instead of the route computing it and the partition checking it again.
// What gets stored must be exactly the batch sealed the usual way; every other check still
// applies; without the flag an unwritten CRC is refused as before.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadLogCore } from "../../../test/core-support/load-log-core.ts";
import { openNodeDatabase } from "../../runtime/sqlite-node.ts";
import { openStorage, type SqliteStorage } from "../../runtime/sqlite-port.ts";
import { encodeBatch, encodeSpans, type RecordInput } from "../batch/record-batch.ts";
import type { LogCore } from "../batch/log-core.ts";
import { PartitionLog } from "./partition-log.ts";

const ADDR = { topic: "events", partition: 0, epoch: 1 };
const utf8 = new TextEncoder();
const NOW = 1_700_000_000_000;

let dir: string;
let core: LogCore;
let storage: SqliteStorage;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "eb-fillcrc-"));
  core = await loadLogCore();
  storage = openStorage(openNodeDatabase, join(dir, "p.sqlite"));
});
afterEach(() => {
  storage.close();
  rmSync(dir, { recursive: true, force: true });
});

const records = (n: number): RecordInput[] =>
  Array.from({ length: n }, (_, i) => ({
    key: i % 3 === 0 ? null : utf8.encode(`k${i}`),
    value: i % 5 === 4 ? null : utf8.encode(`"value ${i} é"`),
    headers: i % 2 ? [["h", utf8.encode("v")]] : [],
    timestamp: NOW + i,
  }));
const sealed = (rs: RecordInput[], producer = {}) => encodeBatch(rs, { crc32c: (b) => core.crc32c(b), ...producer });
const unsealed = (rs: RecordInput[], producer = {}) => encodeBatch(rs, { crc32c: () => 0, ...producer });

describe("LogCore.validateBatches with fillCrc", () => {
  it("writes the CRC the encoder would have, for one batch and for several", () => {
    for (const parts of [[records(1)], [records(7)], [records(3), records(40), records(2)]]) {
      const expected = Uint8Array.from(parts.flatMap((rs) => [...sealed(rs)]));
      const bytes = Uint8Array.from(parts.flatMap((rs) => [...unsealed(rs)]));
      const plain = core.validateBatches(expected);
      expect(core.validateBatches(bytes, true)).toEqual(plain);
      expect(bytes).toEqual(expected);
    }
  });

  it("without it, an unwritten CRC is a crc_mismatch as ever", () => {
    const r = core.validateBatches(unsealed(records(3)));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).toBe("crc_mismatch");
  });

  it("still checks everything else: a record count that does not match is refused", () => {
    const bytes = unsealed(records(3));
    new DataView(bytes.buffer).setInt32(57, 4); // recordCount
    const r = core.validateBatches(bytes, true);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).not.toBe("crc_mismatch");
  });
});

describe("PartitionLog.append with fillCrc", () => {
  const open = () => PartitionLog.open(storage, core, { now: () => NOW, alarms: { setAlarm: () => {} } });
  const read = async (log: PartitionLog) => {
    const r = await log.read({ ...ADDR, offset: 0, maxBytes: 1 << 20, maxRecords: 10_000, waitMs: 0 });
    if (!r.ok) throw new Error(r.error.message);
    return r.batches;
  };

  it("stores the same bytes as the sealed batch, for encodeBatch and encodeSpans output", async () => {
    const body = utf8.encode('{"records":[{"value":"a"},{"value":null},{"value":[1,{"b":2}]}]}');
    const spans = new Int32Array([21, 24, -1, -1, 53, 64]);
    const a = open();
    expect((await a.append({ ...ADDR, batches: unsealed(records(12)), fillCrc: true })).ok).toBe(true);
    expect((await a.append({ ...ADDR, batches: encodeSpans(body, spans, NOW, { crc32c: () => 0 }), fillCrc: true })).ok).toBe(true);
    const stored = await read(a);
    const expected = [
      sealed(records(12), { baseOffset: 0 }),
      encodeSpans(body, spans, NOW, { crc32c: (x) => core.crc32c(x), baseOffset: 12 }),
    ];
    expect(stored).toEqual(Uint8Array.from(expected.flatMap((x) => [...x])));
  });

  it("refuses an unwritten CRC without the flag, and keeps idempotent producers' checks with it", async () => {
    const log = open();
    const plain = await log.append({ ...ADDR, batches: unsealed(records(2)) });
    expect(plain.ok).toBe(false);
    expect(!plain.ok && plain.error).toMatchObject({ code: "invalid_batch", reason: "crc_mismatch" });
    const producer = { producerId: 7, producerEpoch: 0, baseSequence: 0 };
    expect((await log.append({ ...ADDR, batches: unsealed(records(2), producer), fillCrc: true })).ok).toBe(true);
    const retry = await log.append({ ...ADDR, batches: unsealed(records(2), producer), fillCrc: true });
    expect(retry.ok && retry.duplicate).toBe(true);
    const gap = await log.append({ ...ADDR, batches: unsealed(records(2), { ...producer, baseSequence: 5 }), fillCrc: true });
    expect(!gap.ok && gap.error.code).toBe("out_of_order_sequence");
  });
});
