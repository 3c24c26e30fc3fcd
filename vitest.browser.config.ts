// Browser tests of the web console (test/browser): Debian's Chromium (/usr/bin/chromium) driven
// by playwright-core against the Worker in workerd as `npm run dev` runs it (wrangler dev, with
// wrangler.toml's [assets]). Screenshots go to artifacts/screenshots/ (gitignored; CI artifacts).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    environment: "node",
    maxWorkers: 1,
  },
});
