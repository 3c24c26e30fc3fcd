// Transactions under eviction in workerd (issue 17, item 4; workload and checks in
// test/support/txn-chaos.ts): producers commit and abort random transactions over three
// partitions while coordinator and partition objects are evicted at random moments, and the
// producer's coordinator right after it sent a commit (between the phases: PrepareCommit
// persisted, markers partly written). Evicted objects start again from their storage; the
// coordinators' alarms re-drive unfinished markers. Afterwards every transaction is wholly
// committed or wholly aborted, no marker is lost or doubled, and read_committed readers see
// exactly the committed transactions, in order, once each.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createTopic, partitionStub, testEnv } from "./api-support.ts";
import { rng, TxnChaos } from "../support/txn-chaos.ts";

const PARTITIONS = 3;
const RESETS = 40;

describe("transactions under eviction", () => {
  it("every transaction is wholly committed or aborted after evictions at every phase; read_committed sees exactly the committed ones", async () => {
    const seed = Date.now() % 100_000;
    const random = rng(seed);
    const topic = await createTopic(PARTITIONS);
    const name = `chaos-${seed}`;
    const coordinator = (p: number) => testEnv.TXN.get(testEnv.TXN.idFromName(`${name}-${p}`));
    let evictions = 0;
    // ctx.abort() resets the object at once: requests in flight in it fail, as on an eviction
    // or a crash of its machine, and the next request starts it again from its storage.
    const evict = (stub: DurableObjectStub) =>
      runInDurableObject(stub, (_instance, state: DurableObjectState) => {
        evictions++;
        state.abort("chaos");
      }).catch(() => undefined);
    const chaos = new TxnChaos(call, {
      topic,
      partitions: PARTITIONS,
      producers: 6,
      name,
      random,
      // One commit in three: evict its coordinator (or a partition) a moment after it was sent.
      onCommitSent: (p) => {
        if (random() < 0.33)
          setTimeout(
            () => void evict(random() < 0.6 ? coordinator(p) : partitionStub(topic, Math.floor(random() * PARTITIONS))),
            random() * 5,
          );
      },
    });
    const load = chaos.run();
    // A fixed number of resets (not a duration: the machine may be slow), at random moments.
    const cap = Date.now() + 60_000;
    while (evictions < RESETS && Date.now() < cap) {
      await new Promise((r) => setTimeout(r, 20 + random() * 80));
      await evict(random() < 0.5 ? coordinator(Math.floor(random() * 6)) : partitionStub(topic, Math.floor(random() * PARTITIONS)));
    }
    chaos.stop();
    await load;
    await chaos.settle(async (p) => void (await runDurableObjectAlarm(coordinator(p)).catch(() => false)));
    const counts = await chaos.verify();
    console.log(
      `txn chaos (workerd, seed ${seed}): ${chaos.txns.length} transactions, ${JSON.stringify(counts)}, ${evictions} aborts, ${chaos.failures} failures seen`,
    );
    expect(counts.committed).toBeGreaterThan(0);
    expect(counts.aborted).toBeGreaterThan(0);
    expect(evictions).toBeGreaterThanOrEqual(RESETS);
    expect(chaos.failures).toBeGreaterThan(0);
  }, 120_000);
});
