// Chaos test for idempotent producing: many producers send thousands of batches with random
// pipelining (so later batches overtake earlier ones), random retries of batches already sent or
// acknowledged, random delays, and evictions of the partition object in between. Then the whole
// log is read back: every acknowledged batch must be there exactly once, at the offsets that were
// acknowledged, in sequence order per producer, with nothing else in the log.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { encodeBatch, readBatchHeader } from "../../src/core/batch/record-batch.ts";
import { loadLogCore } from "../../src/worker/log-core.ts";
import { records } from "./batch-support.ts";
import { call, createTopic, json, partitionStub } from "./api-support.ts";

const PRODUCERS = 8;
const BATCHES_PER_PRODUCER = 250;

/** A small deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("idempotent producing under chaos", () => {
  it("appends every acknowledged batch exactly once, in sequence order per producer", async () => {
    const seed = Date.now() % 100_000;
    const random = rng(seed);
    const topic = await createTopic(1);
    const core = await loadLogCore();
    let evictions = 0;
    let duplicatesAnswered = 0;
    let outOfOrder = 0;

    const producers = await Promise.all(
      Array.from({ length: PRODUCERS }, async (_, n) => {
        const res = await json("/v1/producers", "POST", { name: `chaos-${seed}-${n}` });
        const { producer_id, producer_epoch } = (await res.json()) as { producer_id: number; producer_epoch: number };
        let seq = 0;
        const batches = Array.from({ length: BATCHES_PER_PRODUCER }, (_, i) => {
          const count = 1 + Math.floor(random() * 3);
          const values = Array.from({ length: count }, (_, k) => `${n}:${i}:${k}`);
          const bytes = encodeBatch(records(values), {
            crc32c: (b) => core.crc32c(b),
            producerId: producer_id,
            producerEpoch: producer_epoch,
            baseSequence: seq,
          });
          seq += count;
          return { bytes, baseSequence: seq - count, count };
        });
        return { id: producer_id, batches, acked: new Map<number, number>() };
      }),
    );

    const send = async (p: (typeof producers)[number], i: number) => {
      const res = await call(`/v1/topics/${topic}/records`, {
        method: "POST",
        body: p.batches[i]!.bytes,
        headers: { "content-type": "application/vnd.kafka.record-batch" },
      });
      const body = (await res.json()) as any;
      if (res.status === 200) {
        const offset = body.offsets[0].offset as number;
        const known = p.acked.get(i);
        if (known !== undefined) expect(offset, `seed ${seed}: a retry must get the original offset`).toBe(known);
        if (body.duplicate) {
          duplicatesAnswered++;
          expect(known === undefined || known === offset).toBe(true);
        }
        p.acked.set(i, offset);
      } else {
        // A batch sent ahead of an unacknowledged one, or a retry older than the last five.
        expect(res.status, `seed ${seed}: ${JSON.stringify(body)}`).toBe(409);
        expect(body.error.code).toBe("out_of_order_sequence");
        outOfOrder++;
      }
    };

    const runProducer = async (p: (typeof producers)[number]) => {
      while (p.acked.size < BATCHES_PER_PRODUCER) {
        let next = 0;
        while (p.acked.has(next)) next++;
        const inFlight: Array<Promise<void>> = [];
        const burst = 1 + Math.floor(random() * 3);
        for (let k = 0; k < burst; k++) {
          const roll = random();
          if (roll < 0.6)
            inFlight.push(send(p, Math.min(next + k, BATCHES_PER_PRODUCER - 1))); // pipelined: may overtake
          else if (roll < 0.85 && next > 0)
            inFlight.push(send(p, Math.max(0, next - 1 - Math.floor(random() * 8)))); // retry an old one
          else inFlight.push(send(p, next)); // retry the one in doubt
          if (random() < 0.3) await new Promise((r) => setTimeout(r, Math.floor(random() * 4)));
        }
        if (random() < 0.01) {
          evictions++;
          inFlight.push(evictDurableObject(partitionStub(topic, 0)).catch(() => undefined));
        }
        await Promise.all(inFlight);
      }
    };
    await Promise.all(producers.map(runProducer));

    // Read the whole log back as raw batches.
    const seen = new Map<string, number>();
    let offset = 0;
    const byProducer = new Map<number, number[]>();
    for (;;) {
      const res = await call(`/v1/topics/${topic}/partitions/0/records?offset=${offset}&max_bytes=4194304`, {
        headers: { accept: "application/vnd.kafka.record-batch" },
      });
      expect(res.status).toBe(200);
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.length === 0) break;
      for (let pos = 0; pos < bytes.length; ) {
        const h = readBatchHeader(bytes, pos);
        pos += h.size;
        if (h.baseOffset + h.lastOffsetDelta < offset) continue;
        const key = `${h.producerId}/${h.baseSequence}`;
        expect(seen.has(key), `seed ${seed}: batch ${key} appears twice`).toBe(false);
        seen.set(key, h.baseOffset);
        byProducer.set(h.producerId, [...(byProducer.get(h.producerId) ?? []), h.baseSequence]);
        offset = h.baseOffset + h.lastOffsetDelta + 1;
      }
    }
    for (const p of producers) {
      const logged = byProducer.get(p.id) ?? [];
      expect(logged, `seed ${seed}: producer ${p.id} in sequence order, no gaps`).toEqual(p.batches.map((b) => b.baseSequence));
      p.batches.forEach((b, i) => expect(seen.get(`${p.id}/${b.baseSequence}`)).toBe(p.acked.get(i)));
    }
    expect(seen.size).toBe(PRODUCERS * BATCHES_PER_PRODUCER);
    expect(duplicatesAnswered).toBeGreaterThan(0);
    expect(outOfOrder).toBeGreaterThan(0);
    console.log(
      `idempotence chaos (seed ${seed}): ${seen.size} batches, ${duplicatesAnswered} duplicates answered, ${outOfOrder} out-of-order refusals, ${evictions} evictions`,
    );
  }, 120_000);
});
