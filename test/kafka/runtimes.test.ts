// The Kafka listener on the Bun and Deno hosts: one smoke test each — kcat sees the broker,
// produces keyed records and reads them back, and kafkajs's admin creates a topic.
import { describe, expect, it } from "vitest";
import { http, kafkajs, kcat, startKafkaHost } from "./support.ts";

for (const runtime of ["bun", "deno"] as const) {
  describe(runtime, () => {
    it("kcat and kafkajs produce, consume and administer", async () => {
      const host = await startKafkaHost(runtime);
      try {
        expect((await http(host.http, host.token, "POST", "/v1/topics", { name: "smoke", partitions: 2 })).status).toBe(201);
        const meta = await kcat(host.bootstrap, ["-L", "-J"]);
        expect(meta.code, meta.stderr + host.output()).toBe(0);
        expect(JSON.parse(meta.stdout.toString()).brokers).toEqual([{ id: 0, name: host.bootstrap }]);
        const input = "a:1\nb:2\nc:3\n";
        const produced = await kcat(host.bootstrap, ["-P", "-t", "smoke", "-K:"], { input });
        expect(produced.code, produced.stderr).toBe(0);
        const consumed = await kcat(host.bootstrap, ["-C", "-t", "smoke", "-o", "beginning", "-e", "-f", "%k:%s\n"]);
        expect(consumed.stdout.toString().trim().split("\n").sort()).toEqual(["a:1", "b:2", "c:3"]);
        const admin = kafkajs(host.bootstrap).admin();
        await admin.connect();
        expect(await admin.createTopics({ topics: [{ topic: "smoke-js", numPartitions: 1 }] })).toBe(true);
        expect((await admin.listTopics()).sort()).toEqual(["smoke", "smoke-js"]);
        await admin.disconnect();
      } finally {
        await host.stop();
      }
    });
  });
}
