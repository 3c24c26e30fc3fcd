// Kafka protocol tests with real clients (test/kafka): kafkajs and kcat (librdkafka) against the
// standalone hosts' Kafka listener, and through `edgebroker kafka-proxy` against the Worker in
// workerd. The CLI is compiled once first (the proxy runs as `npx edgebroker` would run it).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/kafka/**/*.test.ts"],
    globalSetup: ["test/cli/build.ts"],
    testTimeout: 120_000, // the consumer-group tests wait out session timeouts and rebalances
    hookTimeout: 120_000,
    environment: "node",
    maxWorkers: 2,
  },
});
