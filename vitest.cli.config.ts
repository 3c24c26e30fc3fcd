// The `edgebroker` command line driven as a real process (test/cli): the compiled CLI
// (dist/cli, built once by the global setup) against real brokers — the standalone Node server
// and, once, the Worker in workerd.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/cli/**/*.test.ts"],
    globalSetup: ["test/cli/build.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    environment: "node",
    maxWorkers: 2,
  },
});
