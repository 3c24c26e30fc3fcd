import { describe, expect, it } from "vitest";
import { call, createTopic, expectError, fetchRecords, json, produce } from "./api-support.ts";

describe("topics", () => {
  it("creates, describes, lists and deletes a topic", async () => {
    const res = await json("/v1/topics", "POST", { name: "orders-crud", partitions: 3, config: { "retention.ms": 60000 } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as any;
    expect(created.name).toBe("orders-crud");
    expect(created.partitions).toHaveLength(3);
    expect(created.partitions[2]).toMatchObject({ partition: 2, start_offset: 0, end_offset: 0, bytes: 0 });
    expect(created.config["retention.ms"]).toBe(60000);
    expect(created.config["cleanup.policy"]).toBe("delete");

    const list = (await (await call("/v1/topics")).json()) as any;
    expect(list.topics).toContainEqual({ name: "orders-crud", partitions: 3 });

    await produce("orders-crud", [{ value: { n: 1 }, partition: 1 }]);
    const described = (await (await call("/v1/topics/orders-crud")).json()) as any;
    expect(described.partitions[1].end_offset).toBe(1);
    expect(described.partitions[1].bytes).toBeGreaterThan(61);

    expect((await call("/v1/topics/orders-crud", { method: "DELETE" })).status).toBe(204);
    await expectError(await call("/v1/topics/orders-crud"), 404, "topic_not_found");
    await expectError(await call("/v1/topics/orders-crud", { method: "DELETE" }), 404, "topic_not_found");
  });

  it("answers 409 on a duplicate create", async () => {
    const name = await createTopic();
    await expectError(await json("/v1/topics", "POST", { name, partitions: 2 }), 409, "topic_exists");
  });

  it("rejects invalid names and configs with a message naming the field", async () => {
    for (const name of ["", ".", "..", "has space", "a/b", "x".repeat(250), 42]) {
      const err = await expectError(await json("/v1/topics", "POST", { name, partitions: 1 }), 400, "invalid_topic_name");
      expect(err.message).toMatch(/^name:/);
    }
    for (const partitions of [0, -1, 1.5, "3", 100000]) {
      const err = await expectError(await json("/v1/topics", "POST", { name: "p-bad", partitions }), 400, "invalid_partitions");
      expect(err.message).toMatch(/^partitions:/);
    }
    let err = await expectError(
      await json("/v1/topics", "POST", { name: "c-bad", partitions: 1, config: { "retention.ms": "soon" } }),
      400,
      "invalid_config",
    );
    expect(err.message).toContain("config.retention.ms");
    err = await expectError(
      await json("/v1/topics", "POST", { name: "c-bad", partitions: 1, config: { "no.such": 1 } }),
      400,
      "invalid_config",
    );
    expect(err.message).toContain("config.no.such");
    err = await expectError(await json("/v1/topics", "POST", { name: "c-bad", partitons: 1 }), 400, "bad_request");
    expect(err.message).toContain("partitons");
  });

  it("changes configs after creation", async () => {
    const name = await createTopic();
    const res = await json(`/v1/topics/${name}`, "PATCH", { config: { "retention.bytes": 1000 } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).config["retention.bytes"]).toBe(1000);
    await expectError(await json(`/v1/topics/${name}`, "PATCH", { config: { "retention.bytes": -5 } }), 400, "invalid_config");
  });

  it("a topic recreated under the same name starts empty", async () => {
    const name = await createTopic(2);
    await produce(name, [
      { value: "old", partition: 0 },
      { value: "old", partition: 1 },
    ]);
    expect((await call(`/v1/topics/${name}`, { method: "DELETE" })).status).toBe(204);
    expect((await json("/v1/topics", "POST", { name, partitions: 2 })).status).toBe(201);
    const page = await fetchRecords(name, 0);
    expect(page.records).toEqual([]);
    expect(page.high_watermark).toBe(0);
    const [first] = await produce(name, [{ value: "new", partition: 0 }]);
    expect(first).toEqual({ partition: 0, offset: 0 });
  });
});
