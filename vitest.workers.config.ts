// Integration tests inside real workerd: the Worker, both Durable Object classes and their SQLite
// storage, configured from wrangler.toml exactly as `npm run dev` runs them.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

import { TEST_ADMIN_TOKEN, TEST_ANONYMOUS_GRANTS, TEST_MAX_RECORD_BYTES } from "./test/workers/config-support.ts";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        // The test runner itself needs Node built-ins inside workerd; the broker does not use them.
        compatibilityFlags: ["nodejs_compat"],
        bindings: {
          EDGEBROKER_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
          EDGEBROKER_MAX_RECORD_BYTES: String(TEST_MAX_RECORD_BYTES),
          EDGEBROKER_ANONYMOUS_GRANTS: TEST_ANONYMOUS_GRANTS,
          // Metrics reach the metrics object within 100 ms (test/workers/metrics.test.ts waits for them).
          EDGEBROKER_METRICS_INTERVAL_MS: "100",
        },
      },
    }),
  ],
  test: {
    include: ["test/workers/**/*.test.ts"],
    testTimeout: 30_000,
    // Setup hooks create topics and keys through workerd; on two busy cores 10 s (the default) was seen to run out.
    hookTimeout: 60_000,
  },
});
