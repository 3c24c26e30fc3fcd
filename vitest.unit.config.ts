// Unit tests run in plain Node: the portable core, the WASM module and the codecs.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
