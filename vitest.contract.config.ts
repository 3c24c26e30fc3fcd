// The behavioural suite (test/contract): the HTTP API contract run against every host — workerd
// (Miniflare), and standalone servers on Node, Bun and Deno spawned as child processes — plus the
// crash test of the standalone hosts. One file per host, run in parallel.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/contract/**/*.test.ts"],
    // external.test.ts targets an already running broker; it runs only when CONTRACT_URL names one.
    exclude: process.env.CONTRACT_URL ? [] : ["test/contract/external.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    environment: "node",
    // Each host is a server process (or workerd) of its own; two test files at a time on two cores.
    maxWorkers: 2,
  },
});
