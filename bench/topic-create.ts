// Creating wide topics on the Node standalone host (issue #14, item 9c: ten 256-partition topics
// stalled the host for seconds — the create answer asked every partition for its stats, starting
// 2,560 objects, each creating its SQLite file with fsynced schema writes; 107 s before the fix).
// Ceiling: the same number of creates of single-partition topics, in the same run.
//   node --disable-warning=ExperimentalWarning bench/topic-create.ts [topics] [partitions]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBroker } from "../src/runtime/broker.ts";
import { configFromEnv } from "../src/runtime/config.ts";
import { openNodeDatabase } from "../src/runtime/sqlite-node.ts";

const topics = Number(process.argv[2] ?? 10);
const partitions = Number(process.argv[3] ?? 256);
const dir = mkdtempSync(join(tmpdir(), "bench-topic-create-"));
const vars: Record<string, string> = {
  EDGEBROKER_ADMIN_TOKEN: "bench",
  EDGEBROKER_DATA_DIR: dir,
  EDGEBROKER_MAX_PARTITIONS: String(partitions),
};
const broker = await createBroker(
  configFromEnv((n) => vars[n]),
  openNodeDatabase,
);

async function create(prefix: string, count: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < topics; i++) {
    const res = await broker.app.fetch(
      new Request("http://bench/v1/topics", {
        method: "POST",
        headers: { authorization: "Bearer bench", "content-type": "application/json" },
        body: JSON.stringify({ name: `${prefix}-${i}`, partitions: count }),
      }),
    );
    if (res.status !== 201) throw new Error(await res.text());
  }
  return performance.now() - t0;
}

const ceiling = await create("narrow", 1);
const wide = await create("wide", partitions);
console.log(`${topics} topics of 1 partition (ceiling): ${ceiling.toFixed(0)} ms`);
console.log(`${topics} topics of ${partitions} partitions:      ${wide.toFixed(0)} ms  ×${(wide / ceiling).toFixed(2)}`);
await broker.close();
rmSync(dir, { recursive: true, force: true });
