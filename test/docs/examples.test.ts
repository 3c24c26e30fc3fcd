// Every shell and SDK example of README.md and docs/*.md, run in document order against a
// standalone Node broker (a fresh one per page, with its Kafka listener on), the way a reader
// pastes them: a failure names the doc file and line. The marker convention for examples that
// cannot run here is in docs/README.md ("Examples are tested") and test/docs/doc-blocks.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BENCH_TOKEN } from "../../bench/lib/servers.ts";
import { CONTRACT_ENV, freePort, type ServerProcess, startServer } from "../contract/hosts-support.ts";
import { docFiles, NOT_YET_CHECKED, parseBlocks, RUNNABLE } from "./doc-blocks.ts";
import { type Broker, makeSandbox, runBlock } from "./run-block.ts";

const only = process.env.DOCTEST_FILES?.split(",");
const files = docFiles().filter((f) => (!only || only.includes(f)) && !NOT_YET_CHECKED.has(f));

for (const file of files) {
  const blocks = parseBlocks(file).filter((b) => RUNNABLE.has(b.lang));
  if (blocks.length === 0) continue;
  describe(file, () => {
    let server: ServerProcess;
    let broker: Broker;
    let dir: string;
    let dataDir: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "edgebroker-docs-"));
      dataDir = join(dir, "broker-data");
      const kafkaPort = await freePort();
      server = await startServer("node", {
        dataDir,
        env: { ...CONTRACT_ENV, EDGEBROKER_KAFKA_PORT: String(kafkaPort), EDGEBROKER_DS_LOOPBACK_WEBHOOKS: "1" },
      });
      broker = { url: server.url, token: BENCH_TOKEN, kafka: `127.0.0.1:${kafkaPort}` };
      makeSandbox(join(dir, "project"), broker);
    });

    afterAll(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    for (const block of blocks) {
      const title = `${file}:${block.line} (${block.lang})`;
      if (block.mode === "skip") {
        it.skip(`${title}: ${block.reason}`, () => {});
        continue;
      }
      it(title, async () => {
        const result = await runBlock(block, broker, join(dir, "project"), join(dir, "shell-state.sh"));
        if (!result.ok) {
          expect.fail(`${result.failure}\n--- stdout\n${result.stdout.slice(-4000)}\n--- stderr\n${result.stderr.slice(-4000)}`);
        }
      });
    }
  });
}
