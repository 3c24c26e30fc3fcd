// Tests that run in plain Node: unit tests of the portable core, the WASM module and the codecs
// (beside the code), and end-to-end tests that spawn the real dev server (test/node).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "console/src/**/*.test.ts", "test/node/**/*.test.ts"],
    testTimeout: 120_000,
    environment: "node",
  },
});
