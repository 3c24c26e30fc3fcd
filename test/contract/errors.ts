// Errors in the HTTP API contract, on every host: an offset out of range names the valid range,
// unknown topics and partitions are 404s, and bad bodies and parameters are refused with their
// codes and change nothing.
import { describe, expect, it } from "vitest";
import { type ContractContext, BATCH, oneShot } from "./contract-support.ts";

export function errorsSuite(t: ContractContext): void {
  const { call, json, expectError, createTopic, produce, fetchPage, batchOf } = t;

  describe("errors", () => {
    it("offset out of range names the valid range", async () => {
      const topic = await createTopic();
      await produce(topic, [{ value: 1 }, { value: 2 }]);
      const err = await expectError(await call(`/v1/topics/${topic}/partitions/0/records?offset=5`), [416], "offset_out_of_range");
      expect(err).toMatchObject({ start_offset: 0, end_offset: 2 });
    });

    it("unknown topics and partitions", async () => {
      const topic = await createTopic(2);
      await expectError(await call(`/v1/topics/no-such-topic-${t.counter()}/partitions/0/records`), 404, "topic_not_found");
      await expectError(
        await json(`/v1/topics/no-such-topic-${t.counter()}/records`, "POST", { records: [{ value: 1 }] }),
        404,
        "topic_not_found",
      );
      await expectError(await call(`/v1/topics/${topic}/partitions/2/records`), 404, "partition_not_found");
      await expectError(
        await json(`/v1/topics/${topic}/records`, "POST", { records: [{ value: 1, partition: 7 }] }),
        404,
        "partition_not_found",
      );
    });

    it("bad bodies and parameters are refused with their codes and change nothing", async () => {
      const topic = await createTopic();
      const post = (body: BodyInit, type: string) =>
        call(`/v1/topics/${topic}/records`, { method: "POST", body, headers: { "content-type": type } });
      await expectError(await post('{"records": [', "application/json"), 400, "invalid_json");
      await expectError(await post(new Uint8Array([0xc1]), "application/msgpack"), 400, "invalid_msgpack");
      await expectError(await json(`/v1/topics/${topic}/records`, "POST", { records: [{ key: "no value" }] }), 400, "invalid_record");
      await expectError(await post("text", "text/plain"), 415, "unsupported_media_type");
      const corrupt = batchOf(["x"]);
      corrupt[corrupt.length - 1]! ^= 0xff;
      const err = await expectError(await post(corrupt, BATCH), 400, "invalid_batch");
      expect(err.reason).toBe("crc_mismatch");
      // Its own connection: the server may close it without reading the rest of the body.
      const tooLarge = await oneShot(`${t.target().url}/v1/topics/${topic}/records`, t.target().token, BATCH, new Uint8Array(1_200_000));
      expect(tooLarge.status).toBe(413);
      expect(JSON.parse(tooLarge.body).error.code).toBe("payload_too_large");
      await expectError(await call(`/v1/topics/${topic}/partitions/0/records?max_records=abc`), 400, "invalid_parameter");
      await expectError(await call(`/v1/topics/${topic}/partitions/0/records?wait_ms=99999999`), 400, "invalid_parameter");
      expect((await fetchPage(topic, 0)).high_watermark).toBe(0);
    });
  });
}
