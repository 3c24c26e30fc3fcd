// The flexible encodings (KIP-482) of Metadata v12, Produce v9 and Fetch v12 — versions kcat and
// kafkajs do not send — checked with requests and answers sequenced by hand here from Kafka's
// message JSON (compact lengths as N + 1, a tagged-field section closing every struct, header
// v2 / v1), not with src/kafka's own schemas.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { LogCore } from "../../src/core/batch/log-core.ts";
import { encodeBatch } from "../../src/core/batch/record-batch.ts";
import { Reader } from "../../src/kafka/protocol/reader.ts";
import { WASM_URL } from "../../src/runtime/broker.ts";
import { authenticate, RawClient, request } from "./raw-client.ts";
import { http, startKafkaHost, type KafkaHost } from "./support.ts";

let host: KafkaHost;
let c: RawClient;
beforeAll(async () => {
  host = await startKafkaHost("node");
  expect((await http(host.http, host.token, "POST", "/v1/topics", { name: "flex", partitions: 2 })).status).toBe(201);
  c = await RawClient.open(host.bootstrap);
  await authenticate(c, 1);
});
afterAll(async () => {
  c?.end();
  await host?.stop();
});

/** Response header v1: correlation id, then an empty tagged-field section. */
function body(frame: Uint8Array | undefined, corr: number): Reader {
  const r = new Reader(frame!);
  expect(r.int32()).toBe(corr);
  expect(r.uvarint()).toBe(0);
  return r;
}

const compactString = (r: Reader) => r.compactNullableString();
const noTags = (r: Reader) => expect(r.uvarint()).toBe(0);

it("Metadata v12", async () => {
  c.send(
    request(
      3,
      12,
      10,
      (w) => {
        w.uvarint(2); // topics: 1 entry
        w.raw(new Uint8Array(16)).compactNullableString("flex").uvarint(0);
        w.bool(false).bool(false).uvarint(0);
      },
      true,
    ),
  );
  const r = body(await c.next(), 10);
  expect(r.int32()).toBe(0); // throttle
  expect(r.uvarint()).toBe(2); // one broker
  expect(r.int32()).toBe(0);
  expect(compactString(r)).toBe("127.0.0.1");
  expect(r.int32()).toBe(Number(host.bootstrap.split(":")[1]));
  expect(compactString(r)).toBeNull(); // rack
  noTags(r);
  expect(compactString(r)).toBe("edgebroker");
  expect(r.int32()).toBe(0); // controller
  expect(r.uvarint()).toBe(2); // one topic
  expect(r.int16()).toBe(0);
  expect(compactString(r)).toBe("flex");
  expect(r.uuid().some((b) => b !== 0)).toBe(true);
  expect(r.bool()).toBe(false);
  expect(r.uvarint()).toBe(3); // two partitions
  for (const p of [0, 1]) {
    expect(r.int16()).toBe(0);
    expect(r.int32()).toBe(p);
    expect(r.int32()).toBe(0); // leader
    expect(r.int32()).toBe(-1); // leader epoch: not tracked
    for (let list = 0; list < 2; list++) {
      expect(r.uvarint()).toBe(2);
      expect(r.int32()).toBe(0);
    }
    expect(r.uvarint()).toBe(1); // no offline replicas
    noTags(r);
  }
  r.int32(); // topic authorized operations
  noTags(r);
  noTags(r);
  expect(r.remaining).toBe(0);
});

it("Produce v9 then Fetch v12 return the batch byte for byte", async () => {
  const core = await LogCore.instantiate(await readFile(WASM_URL));
  const batch = encodeBatch(
    [{ key: new TextEncoder().encode("k"), value: new TextEncoder().encode("flexible"), headers: [], timestamp: Date.now() }],
    { crc32c: (b) => core.crc32c(b) },
  );
  c.send(
    request(
      0,
      9,
      11,
      (w) => {
        w.uvarint(0); // transactional id: null
        w.int16(-1).int32(5000);
        w.uvarint(2).compactNullableString("flex");
        w.uvarint(2).int32(1).compactNullableBytes(batch).uvarint(0);
        w.uvarint(0).uvarint(0);
      },
      true,
    ),
  );
  const p = body(await c.next(), 11);
  expect(p.uvarint()).toBe(2);
  expect(compactString(p)).toBe("flex");
  expect(p.uvarint()).toBe(2);
  expect(p.int32()).toBe(1);
  expect(p.int16()).toBe(0);
  expect(p.int64()).toBe(0n); // base offset
  expect(p.int64()).toBe(-1n); // log append time
  p.int64(); // log start offset
  expect(p.uvarint()).toBe(1); // no record errors
  expect(compactString(p)).toBeNull();
  noTags(p);
  noTags(p);
  expect(p.int32()).toBe(0); // throttle
  noTags(p);
  expect(p.remaining).toBe(0);

  c.send(
    request(
      1,
      12,
      12,
      (w) => {
        w.int32(-1)
          .int32(0)
          .int32(1)
          .int32(1 << 20)
          .int8(1)
          .int32(0)
          .int32(-1);
        w.uvarint(2).compactNullableString("flex");
        w.uvarint(2)
          .int32(1)
          .int32(-1)
          .int64(0)
          .int32(-1)
          .int64(-1)
          .int32(1 << 20)
          .uvarint(0);
        w.uvarint(0); // topic tags
        w.uvarint(1); // no forgotten topics
        w.compactNullableString("");
        w.uvarint(0);
      },
      true,
    ),
  );
  const f = body(await c.next(), 12);
  expect(f.int32()).toBe(0);
  expect(f.int16()).toBe(0);
  expect(f.int32()).toBe(0); // session
  expect(f.uvarint()).toBe(2);
  expect(compactString(f)).toBe("flex");
  expect(f.uvarint()).toBe(2);
  expect(f.int32()).toBe(1);
  expect(f.int16()).toBe(0);
  expect(f.int64()).toBe(1n); // high watermark
  expect(f.int64()).toBe(1n); // last stable offset (no transactions)
  expect(f.int64()).toBe(0n); // log start
  // read_committed (isolation 1 above): an empty aborted list, not null, as Kafka answers it
  // (KafkaApis sets the collected list on read_committed reads; null only for read_uncommitted).
  expect(f.uvarint()).toBe(1);
  expect(f.int32()).toBe(-1); // preferred read replica
  const stored = f.compactNullableBytes()!;
  // As sent, with only the base offset (0 here) assigned.
  expect(Buffer.from(stored)).toEqual(Buffer.from(batch));
  noTags(f);
  noTags(f);
  noTags(f);
  expect(f.remaining).toBe(0);
});
