// Topics in the HTTP API contract, on every host: create, list, describe, update and delete
// (a topic created again under the same name starts empty), and the refusals of bad names,
// partition counts and configs.
import { describe, expect, it } from "vitest";
import type { ContractContext } from "./contract-support.ts";

export function topicsSuite(t: ContractContext): void {
  const { call, json, expectError, produce, fetchPage } = t;

  describe("topics", () => {
    it("creates, lists, describes, updates and deletes a topic", async () => {
      const topic = `c-topic-${Date.now().toString(36)}`;
      const created = await json("/v1/topics", "POST", { name: topic, partitions: 3, config: { "retention.ms": 604800000 } });
      expect(created.status).toBe(201);
      const description = (await created.json()) as any;
      expect(description.name).toBe(topic);
      expect(description.config["retention.ms"]).toBe(604800000);
      expect(description.partitions).toHaveLength(3);
      expect(description.partitions[2]).toMatchObject({ partition: 2, start_offset: 0, end_offset: 0 });

      await expectError(await json("/v1/topics", "POST", { name: topic, partitions: 1 }), 409, "topic_exists");
      const list = (await (await call("/v1/topics")).json()) as any;
      expect(list.topics).toContainEqual({ name: topic, partitions: 3 });

      await produce(topic, [{ value: 1, partition: 1 }]);
      const described = (await (await call(`/v1/topics/${topic}`)).json()) as any;
      expect(described.partitions[1]).toMatchObject({ partition: 1, start_offset: 0, end_offset: 1 });

      const patched = await json(`/v1/topics/${topic}`, "PATCH", { config: { "retention.ms": 60000 } });
      expect(patched.status).toBe(200);
      expect(((await patched.json()) as any).config["retention.ms"]).toBe(60000);

      expect((await call(`/v1/topics/${topic}`, { method: "DELETE" })).status).toBe(204);
      await expectError(await call(`/v1/topics/${topic}`), 404, "topic_not_found");
      await expectError(await call(`/v1/topics/${topic}`, { method: "DELETE" }), 404, "topic_not_found");
      expect(((await (await call("/v1/topics")).json()) as any).topics.map((t: any) => t.name)).not.toContain(topic);

      // Created again under the same name, the topic starts empty.
      expect((await json("/v1/topics", "POST", { name: topic, partitions: 3 })).status).toBe(201);
      expect((await fetchPage(topic, 1)).high_watermark).toBe(0);
      expect(await produce(topic, [{ value: "again", partition: 1 }])).toEqual([{ partition: 1, offset: 0 }]);
    });

    it("refuses invalid names, partition counts and configs", async () => {
      for (const name of ["", ".", "..", "has space", "slash/name", "x".repeat(250)]) {
        await expectError(await json("/v1/topics", "POST", { name, partitions: 1 }), 400, "invalid_topic_name");
      }
      for (const partitions of [0, -1, 1.5, "2", 100_000]) {
        await expectError(await json("/v1/topics", "POST", { name: `c-bad-${t.counter()}`, partitions }), 400, "invalid_partitions");
      }
      await expectError(
        await json("/v1/topics", "POST", { name: `c-bad-${t.counter()}`, partitions: 1, config: { "retention.ms": "soon" } }),
        400,
        "invalid_config",
      );
      await expectError(
        await json("/v1/topics", "POST", { name: `c-bad-${t.counter()}`, partitions: 1, config: { "no.such.config": 1 } }),
        400,
        "invalid_config",
      );
    });
  });
}
