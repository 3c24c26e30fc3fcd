// The Kafka wire protocol with real clients (test/kafka): kafkajs in-process and kcat/kafkajs
// members as child processes, against the standalone Node server's Kafka listener.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/kafka/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    environment: "node",
    maxWorkers: 2,
  },
});
