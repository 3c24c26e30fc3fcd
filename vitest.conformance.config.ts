// The official Durable Streams conformance suite (@durable-streams/server-conformance-tests) run
// against /ds on the broker in workerd and on the Node standalone host, one file per host.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // The suite ships its own copy of vitest; its describe/test must register with the runner that
  // runs it, so its imports of "vitest" resolve to this project's copy and the suite is inlined.
  resolve: { alias: { vitest: fileURLToPath(new URL("./node_modules/vitest/dist/index.js", import.meta.url)) } },
  test: {
    include: ["test/conformance/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    environment: "node",
    maxWorkers: 2,
    server: { deps: { inline: [/@durable-streams\/server-conformance-tests/] } },
  },
});
