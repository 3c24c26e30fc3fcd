// Kafka transactions on the other hosts, with the scenarios of txn-scenarios.ts: Bun and Deno
// (their actor host runs the same coordinator, partition and group objects) and Cloudflare (kafkajs
// through `edgebroker kafka-proxy` to the Worker in workerd, where the coordinator is a Durable
// Object of its own and markers, offsets and reads cross Durable Object RPC).
import { afterAll, beforeAll, describe, it } from "vitest";
import { startWorkerd, type Target } from "../contract/hosts-support.ts";
import { kafkajs, startKafkaHost, startProxy, type KafkaHost, type KafkaProxy } from "./support.ts";
import { commitAndAbort, consumeTransformProduce, zombieFenced } from "./txn-scenarios.ts";

describe.each(["bun", "deno"] as const)("Kafka transactions on %s", (runtime) => {
  let host: KafkaHost;
  beforeAll(async () => {
    host = await startKafkaHost(runtime, { EDGEBROKER_GROUP_INITIAL_REBALANCE_DELAY_MS: "100" });
  }, 60_000);
  afterAll(async () => host?.stop());

  it("commit and abort across two topics, read by read_committed and read_uncommitted kafkajs consumers", async () => {
    await commitAndAbort(kafkajs(host.bootstrap), runtime);
  });

  it("a fenced zombie producer", async () => {
    await zombieFenced(kafkajs(host.bootstrap), runtime);
  });
});

describe("Kafka transactions on workerd through kafka-proxy", () => {
  let target: Target;
  let proxy: KafkaProxy;
  beforeAll(async () => {
    target = await startWorkerd();
    proxy = await startProxy(target.url);
  });
  afterAll(async () => {
    await proxy?.stop();
    await target?.stop();
  });

  it("commit and abort across two topics, read by read_committed and read_uncommitted kafkajs consumers", async () => {
    await commitAndAbort(kafkajs(proxy.bootstrap), "edge");
  });

  it("consume-transform-produce with sendOffsets", async () => {
    await consumeTransformProduce(kafkajs(proxy.bootstrap), "edge");
  });

  it("a fenced zombie producer", async () => {
    await zombieFenced(kafkajs(proxy.bootstrap), "edge");
  });
});
