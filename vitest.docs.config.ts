// The docs as tests (test/docs): every shell and SDK example of README.md and docs/*.md run against
// a standalone broker, every relative link and anchor resolved, and the wrangler configuration
// validated by a dry-run deploy. The SDK and CLI examples run the compiled package (dist/, built
// once by the global setup), as an installed edgebroker would.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/docs/**/*.test.ts"],
    globalSetup: ["test/cli/build.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    environment: "node",
    maxWorkers: 1,
  },
});
