// The Durable Streams conformance suite against the standalone server on Node (a child process).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../contract/hosts-support.ts";
import { conformanceSuite, SUITE_ENV } from "./suite.ts";

conformanceSuite(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "edgebroker-conformance-node-"));
  const server = await startServer("node", {
    dataDir,
    env: SUITE_ENV,
  });
  return {
    url: server.url,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
