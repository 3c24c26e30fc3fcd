// Transactions under SIGKILL on a standalone host (issue 17, item 4; workload and checks in
// test/support/txn-chaos.ts): producers commit and abort random transactions over three
// partitions while the server process is killed — at random moments and right after a commit was
// sent, so kills land during produce, between the coordinator's phases (PrepareCommit persisted,
// markers partly written) and before the Complete state — and started again on the same data
// directory. Afterwards every transaction is wholly committed or wholly aborted, no marker is
// lost or doubled, and read_committed readers see exactly the committed transactions.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BENCH_TOKEN } from "../../bench/lib/servers.ts";
import { rng, TxnChaos } from "../support/txn-chaos.ts";
import { freePort, startServer, type ServerProcess } from "./hosts-support.ts";

const KILLS = 6;

describe("transactions under SIGKILL (node)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "edgebroker-txn-chaos-"));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("every transaction is wholly committed or aborted after kills at every phase; read_committed sees exactly the committed ones", async () => {
    const seed = Date.now() % 100_000;
    const random = rng(seed);
    const port = await freePort();
    server = await startServer("node", { dataDir, port });
    let url = server.url;
    const fetchBroker = (path: string, init: RequestInit = {}) =>
      fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${BENCH_TOKEN}`, ...(init.headers as Record<string, string>) } });
    const created = await fetchBroker("/v1/topics", {
      method: "POST",
      body: JSON.stringify({ name: "chaos", partitions: 3 }),
      headers: { "content-type": "application/json" },
    });
    expect(created.status).toBe(201);
    // A kill waits for its trigger: a random moment, or (every other kill) the next commit sent.
    let armed: (() => void) | undefined;
    const chaos = new TxnChaos(fetchBroker, {
      topic: "chaos",
      partitions: 3,
      producers: 6,
      name: `chaos-${seed}`,
      random,
      onCommitSent: () => {
        const fire = armed;
        armed = undefined;
        fire?.();
      },
    });
    const load = chaos.run();
    const statesAfterRestart: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 400 + random() * 800));
      if (k % 2 === 1) {
        // Right after a commit request left: within a few ms the coordinator is persisting
        // PrepareCommit, writing markers, or completing.
        await new Promise<void>((resolve) => (armed = resolve));
        await new Promise((r) => setTimeout(r, random() * 8));
      }
      await server.kill();
      server = await startServer("node", { dataDir, port });
      url = server.url;
      const listed = await fetchBroker("/v1/transactions");
      for (const t of ((await listed.json()) as { transactions: Array<{ state: string }> }).transactions) statesAfterRestart.push(t.state);
    }
    await new Promise((r) => setTimeout(r, 500));
    chaos.stop();
    await load;
    await chaos.settle();
    const counts = await chaos.verify();
    console.log(
      `txn chaos (node, seed ${seed}): ${chaos.txns.length} transactions, ${JSON.stringify(counts)}, ${chaos.failures} failures seen, states after restarts ${JSON.stringify(statesAfterRestart.filter((s) => s !== "CompleteCommit" && s !== "CompleteAbort" && s !== "Empty"))}`,
    );
    expect(counts.committed).toBeGreaterThan(0);
    expect(counts.aborted).toBeGreaterThan(0);
    expect(chaos.failures).toBeGreaterThan(0);
    expect(await server.stop(), server.output()).toBe(0);
    server = undefined;
  }, 120_000);
});
