// The transaction APIs' schemas against bytes assembled by hand from the protocol's BNF
// (https://kafka.apache.org/protocol#The_Messages_AddPartitionsToTxn and the messages after it):
// classic versions with int16 string / int32 array lengths, flexible ones (KIP-482) with compact
// lengths and a tagged-field section ending every struct, and the fields a version leaves out.
import { describe, expect, it } from "vitest";
import { fetchApi } from "../apis/fetch.ts";
import { initProducerIdApi } from "../apis/init-producer-id.ts";
import type { KafkaApi } from "../api.ts";
import { Reader } from "../protocol/reader.ts";
import { decodeStruct, encodeStruct, type Msg } from "../protocol/schema.ts";
import { Writer } from "../protocol/writer.ts";
import { addPartitionsToTxnApi } from "./add-partitions.ts";
import { describeTransactionsApi, listTransactionsApi } from "./describe.ts";
import { addOffsetsToTxnApi, endTxnApi } from "./end-txn.ts";
import { txnOffsetCommitApi } from "./txn-offset-commit.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));
/** A classic STRING / a flexible COMPACT_STRING, in hex. */
const str = (s: string) => (s.length.toString(16).padStart(4, "0") + Buffer.from(s).toString("hex")).toLowerCase();
const cstr = (s: string) => (s.length + 1).toString(16).padStart(2, "0") + Buffer.from(s).toString("hex");
const i16 = (n: number) => (n & 0xffff).toString(16).padStart(4, "0");
const i32 = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
const i64 = (n: number) => BigInt.asUintN(64, BigInt(n)).toString(16).padStart(16, "0");

function decode(api: KafkaApi, version: number, h: string): Msg {
  const r = new Reader(bytes(h));
  const msg = decodeStruct(r, api.request, version, version >= api.flexibleFrom);
  expect(r.remaining).toBe(0);
  return msg;
}

function encode(api: KafkaApi, version: number, msg: Msg): string {
  const w = new Writer();
  encodeStruct(w, api.response, msg, version, version >= api.flexibleFrom);
  return hex(w.finish());
}

describe("AddPartitionsToTxn", () => {
  it("v1 request: transactional id, producer id/epoch, [topic [partition]]", () => {
    const msg = decode(addPartitionsToTxnApi, 1, str("tx") + i64(7) + i16(2) + i32(1) + str("t") + i32(2) + i32(0) + i32(3));
    expect(msg).toMatchObject({
      v3AndBelowTransactionalId: "tx",
      v3AndBelowProducerId: 7,
      v3AndBelowProducerEpoch: 2,
      v3AndBelowTopics: [{ name: "t", partitions: [0, 3] }],
      transactions: [],
    });
  });

  it("v3 request (flexible) and response", () => {
    const msg = decode(addPartitionsToTxnApi, 3, `${cstr("tx") + i64(7) + i16(2)}02${cstr("t")}02${i32(1)}0000`);
    expect(msg.v3AndBelowTopics).toEqual([{ name: "t", partitions: [1] }]);
    const out = encode(addPartitionsToTxnApi, 3, {
      throttleTimeMs: 0,
      resultsByTopicV3AndBelow: [{ name: "t", resultsByPartition: [{ partitionIndex: 1, partitionErrorCode: 48 }] }],
    });
    expect(out).toBe(`${i32(0)}02${cstr("t")}02${i32(1)}${i16(48)}000000`);
  });

  it("v4 request: batched transactions with verify_only (KIP-890); response with a top-level error code", () => {
    const txn = `${cstr("a") + i64(1) + i16(0)}0102${cstr("t")}02${i32(0)}0000`;
    const msg = decode(addPartitionsToTxnApi, 4, `02${txn}00`);
    expect(msg.transactions).toEqual([
      { transactionalId: "a", producerId: 1, producerEpoch: 0, verifyOnly: true, topics: [{ name: "t", partitions: [0] }] },
    ]);
    const out = encode(addPartitionsToTxnApi, 4, {
      throttleTimeMs: 0,
      errorCode: 0,
      resultsByTransaction: [
        { transactionalId: "a", topicResults: [{ name: "t", resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 0 }] }] },
      ],
    });
    expect(out).toBe(`${i32(0) + i16(0)}02${cstr("a")}02${cstr("t")}02${i32(0)}${i16(0)}00000000`);
  });
});

describe("AddOffsetsToTxn, EndTxn", () => {
  it("v0 requests and responses", () => {
    expect(decode(addOffsetsToTxnApi, 0, str("tx") + i64(9) + i16(1) + str("g"))).toEqual({
      transactionalId: "tx",
      producerId: 9,
      producerEpoch: 1,
      groupId: "g",
    });
    expect(decode(endTxnApi, 0, `${str("tx") + i64(9) + i16(1)}01`)).toEqual({
      transactionalId: "tx",
      producerId: 9,
      producerEpoch: 1,
      committed: true,
    });
    expect(encode(endTxnApi, 0, { throttleTimeMs: 0, errorCode: 90 })).toBe(i32(0) + i16(90));
  });

  it("v3 (flexible): compact strings and tagged fields", () => {
    expect(decode(endTxnApi, 3, `${cstr("tx") + i64(9) + i16(1)}0000`)).toMatchObject({ committed: false });
    expect(encode(addOffsetsToTxnApi, 3, { throttleTimeMs: 0, errorCode: 51 })).toBe(`${i32(0) + i16(51)}00`);
  });
});

describe("TxnOffsetCommit", () => {
  const partition = (offset: number, leaderEpoch?: number) => i32(0) + i64(offset) + (leaderEpoch === undefined ? "" : i32(leaderEpoch));

  it("v0: no member, no leader epoch; nullable metadata", () => {
    const msg = decode(txnOffsetCommitApi, 0, `${str("tx") + str("g") + i64(5) + i16(0) + i32(1) + str("t") + i32(1) + partition(42)}ffff`);
    expect(msg).toMatchObject({ generationId: -1, memberId: "", groupInstanceId: null });
    expect(msg.topics).toEqual([
      { name: "t", partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: null }] },
    ]);
  });

  it("v3 (flexible, KIP-447): generation, member and instance id", () => {
    const msg = decode(
      txnOffsetCommitApi,
      3,
      cstr("tx") +
        cstr("g") +
        i64(5) +
        i16(0) +
        i32(4) +
        cstr("m-1") +
        "00" +
        "02" +
        cstr("t") +
        "02" +
        partition(42, 3) +
        cstr("md") +
        "00" +
        "00" +
        "00",
    );
    expect(msg).toMatchObject({ generationId: 4, memberId: "m-1", groupInstanceId: null });
    expect(msg.topics[0].partitions[0]).toEqual({
      partitionIndex: 0,
      committedOffset: 42,
      committedLeaderEpoch: 3,
      committedMetadata: "md",
    });
    expect(
      encode(txnOffsetCommitApi, 3, { throttleTimeMs: 0, topics: [{ name: "t", partitions: [{ partitionIndex: 0, errorCode: 22 }] }] }),
    ).toBe(`${i32(0)}02${cstr("t")}02${i32(0)}${i16(22)}000000`);
  });
});

describe("DescribeTransactions, ListTransactions (KIP-664, flexible from v0)", () => {
  it("DescribeTransactions v0 response: producer epoch is an int32", () => {
    const out = encode(describeTransactionsApi, 0, {
      throttleTimeMs: 0,
      transactionStates: [
        {
          errorCode: 0,
          transactionalId: "tx",
          transactionState: "Ongoing",
          transactionTimeoutMs: 60_000,
          transactionStartTimeMs: 1000,
          producerId: 5,
          producerEpoch: 2,
          topicPartitions: [{ name: "t", partitionIndexes: [0, 1] }],
        },
      ],
    });
    expect(out).toBe(
      i32(0) +
        "02" +
        i16(0) +
        cstr("tx") +
        cstr("Ongoing") +
        i32(60_000) +
        i64(1000) +
        i64(5) +
        i32(2) +
        "02" +
        cstr("t") +
        "03" +
        i32(0) +
        i32(1) +
        "00" +
        "00" +
        "00",
    );
  });

  it("ListTransactions v0 and v1 requests (v1 adds the duration filter)", () => {
    expect(decode(listTransactionsApi, 0, `02${cstr("Ongoing")}0100`)).toEqual({
      stateFilters: ["Ongoing"],
      producerIdFilters: [],
      durationFilter: -1,
    });
    expect(decode(listTransactionsApi, 1, `0102${i64(5)}${i64(30_000)}00`)).toEqual({
      stateFilters: [],
      producerIdFilters: [5],
      durationFilter: 30_000,
    });
    expect(
      encode(listTransactionsApi, 1, {
        throttleTimeMs: 0,
        errorCode: 0,
        transactionStates: [{ transactionalId: "tx", producerId: 5, transactionState: "Empty" }],
      }),
    ).toBe(`${i32(0) + i16(0)}02${cstr("tx")}${i64(5)}${cstr("Empty")}0000`);
  });
});

describe("InitProducerId, Fetch", () => {
  it("InitProducerId v3 (flexible, KIP-360) carries the current producer id and epoch", () => {
    expect(decode(initProducerIdApi, 3, `${cstr("tx") + i32(60_000) + i64(5) + i16(2)}00`)).toEqual({
      transactionalId: "tx",
      transactionTimeoutMs: 60_000,
      producerId: 5,
      producerEpoch: 2,
    });
  });

  it("Fetch v4 partition answer: last stable offset and the aborted transactions (producer id, first offset)", () => {
    const out = encode(fetchApi, 4, {
      throttleTimeMs: 0,
      responses: [
        {
          topic: "t",
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: 10,
              lastStableOffset: 6,
              abortedTransactions: [{ producerId: 5, firstOffset: 2 }],
              records: null,
            },
          ],
        },
      ],
    });
    expect(out).toBe(i32(0) + i32(1) + str("t") + i32(1) + i32(0) + i16(0) + i64(10) + i64(6) + i32(1) + i64(5) + i64(2) + i32(-1));
  });
});
