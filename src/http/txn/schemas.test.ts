// The transaction routes' body schemas are their validators (readBody with invalid_parameter):
// the producer identity, the init options and the offsets committed with a transaction (the
// group commit's rules, groups/body.ts), each refusal with its code and the field named.
import { encode } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { BrokerError } from "../../core/errors.ts";
import { parseBody } from "../openapi/route.ts";
import { referenceApp } from "../openapi/reference-app.ts";
import { InitBody, OffsetsBody, Producer } from "./schemas.ts";

const pack = (v: unknown): BodyInit => new Uint8Array(encode(v));

function refusal(schema: Parameters<typeof parseBody>[0], body: unknown) {
  try {
    parseBody(schema, body, "invalid_parameter");
  } catch (err) {
    if (err instanceof BrokerError) return { code: err.code, message: err.message, ...err.extra };
    throw err;
  }
  return { accepted: body };
}

const invalid = (message: string) => ({ code: "invalid_parameter", message });
const badRequest = (message: string) => ({ code: "bad_request", message });
const producer = { producer_id: 7001, producer_epoch: 4 };
const offsets = {
  ...producer,
  group: "billing",
  member_id: "m-1",
  member_epoch: 3,
  offsets: [{ topic: "orders", partition: 2, offset: 42 }],
};

describe("transaction bodies", () => {
  it("accept the producer identity, the init options and transactional offsets", () => {
    expect(parseBody(Producer, producer)).toEqual(producer);
    expect(parseBody(InitBody, {})).toEqual({});
    expect(parseBody(InitBody, { transaction_timeout_ms: 60_000 })).toEqual({ transaction_timeout_ms: 60_000 });
    expect(parseBody(OffsetsBody, offsets)).toEqual({
      ...offsets,
      offsets: [{ topic: "orders", partition: 2, offset: 42, metadata: null }],
    });
  });

  it.each([
    ["no producer id", Producer, { producer_epoch: 0 }, invalid("producer_id: required")],
    ["a negative producer id", Producer, { ...producer, producer_id: -1 }, invalid("producer_id: must be at least 0, got -1")],
    ["a textual producer id", Producer, { ...producer, producer_id: "7" }, invalid('producer_id: expected an integer, got "7"')],
    [
      "an epoch past 32767",
      Producer,
      { ...producer, producer_epoch: 32_768 },
      invalid("producer_epoch: 32768 exceeds the maximum of 32767"),
    ],
    ["an unknown field", Producer, { ...producer, x: 1 }, badRequest("x: unknown field (expected producer_id, producer_epoch)")],
    ["not an object", Producer, "x", badRequest("the body must be an object")],
    ["a zero timeout", InitBody, { transaction_timeout_ms: 0 }, invalid("transaction_timeout_ms: must be at least 1, got 0")],
    ["a fractional timeout", InitBody, { transaction_timeout_ms: 0.5 }, invalid("transaction_timeout_ms: expected an integer, got 0.5")],
    ["an unknown init field", InitBody, { timeout: 1 }, badRequest("timeout: unknown field (expected transaction_timeout_ms)")],
    [
      "offsets without a group",
      OffsetsBody,
      { ...offsets, group: undefined },
      { code: "invalid_group_name", message: "group: a group name is 1 to 249 characters" },
    ],
    [
      "offsets with a malformed group",
      OffsetsBody,
      { ...offsets, group: "a b" },
      { code: "invalid_group_name", message: `group: "a b" may only contain ASCII letters, digits, '.', '_' and '-'` },
    ],
    [
      "offsets without a member id",
      OffsetsBody,
      { ...offsets, member_id: undefined },
      { code: "invalid_member_id", message: "member_id: required, a member id" },
    ],
    [
      "offsets with a malformed member id",
      OffsetsBody,
      { ...offsets, member_id: "a b" },
      { code: "invalid_member_id", message: 'member id "a b" is malformed: expected 1 to 64 characters of A-Z a-z 0-9 _ -' },
    ],
    ["offsets without a member epoch", OffsetsBody, { ...offsets, member_epoch: undefined }, invalid("member_epoch: required")],
    ["an empty offsets list", OffsetsBody, { ...offsets, offsets: [] }, invalid("offsets: expected 1 to 10000 {topic, partition, offset}")],
    [
      "a partition twice",
      OffsetsBody,
      { ...offsets, offsets: [offsets.offsets[0], offsets.offsets[0]] },
      invalid("offsets[1]: orders partition 2 appears twice"),
    ],
    [
      "an unknown field of an offset",
      OffsetsBody,
      { ...offsets, offsets: [{ ...offsets.offsets[0], leader_epoch: 1 }] },
      badRequest("offsets[0].leader_epoch: unknown field (expected topic, partition, offset, metadata)"),
    ],
    [
      "an unknown field of the body",
      OffsetsBody,
      { ...offsets, generation: 1 },
      badRequest("generation: unknown field (expected producer_id, producer_epoch, group, member_id, member_epoch, offsets)"),
    ],
  ])("refuse %s", (_what, schema, body, answer) => {
    expect(refusal(schema, body)).toEqual(answer);
  });

  it("are what the routes parse, JSON or MessagePack, and no body is an empty one", async () => {
    const app = referenceApp();
    const send = async (path: string, body?: BodyInit, type?: string) => {
      const headers: Record<string, string> = { authorization: "Bearer reference", ...(type ? { "content-type": type } : {}) };
      const res = await app.request(path, { method: "POST", headers, body });
      return { status: res.status, error: ((await res.json()) as { error: Record<string, unknown> }).error };
    };
    const refused = { status: 400, error: invalid("producer_epoch: 40000 exceeds the maximum of 32767") };
    const body = { ...producer, producer_epoch: 40_000 };
    for (const path of ["/v1/transactions/t-1/begin", "/v1/transactions/t-1/commit", "/v1/transactions/t-1/abort"]) {
      expect(await send(path, JSON.stringify(body), "application/json")).toEqual(refused);
      expect(await send(path, pack(body), "application/msgpack")).toEqual(refused);
      expect(await send(path)).toEqual({ status: 400, error: invalid("producer_id: required") });
    }
    expect(await send("/v1/transactions/t-1/offsets", pack({ ...offsets, member_epoch: -1 }), "application/msgpack")).toEqual({
      status: 400,
      error: invalid("member_epoch: must be at least 0, got -1"),
    });
  });
});
