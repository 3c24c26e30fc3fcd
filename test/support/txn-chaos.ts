// The transactions chaos workload (issue 17, item 4), shared by the standalone host's SIGKILL test
// (test/contract/txn-chaos.test.ts) and workerd's eviction test (test/workers/txn-chaos.test.ts):
// many transactional producers commit or abort random transactions over random partitions over
// HTTP while the host kills the coordinator and partition objects (or the whole server) at random
// moments — also right after a commit was sent, so kills land between the coordinator's two
// phases. A producer that sees a failure starts again as an application would: init, which fences
// its previous incarnation and aborts its open transaction.
//
// Afterwards `verify` checks the promises: every transaction is wholly committed or wholly
// aborted (one whose commit was acknowledged is committed, one never asked to commit is aborted),
// no partition holds an open transaction (a lost marker would leave one), no marker is doubled,
// and read_committed readers see exactly the committed transactions' records, in order, once each.
import { readBatchHeader, CONTROL_FLAG, TRANSACTIONAL_FLAG } from "../../src/core/batch/record-batch.ts";

/** Sends one request to the broker (path with query), authenticated. */
export type BrokerFetch = (path: string, init?: RequestInit) => Promise<Response>;

export interface ChaosOptions {
  topic: string;
  partitions: number;
  producers: number;
  /** A prefix for the transactional ids. */
  name: string;
  random: () => number;
  /** Called when a producer has sent a commit (the host may kill something now). */
  onCommitSent?: (producer: number) => void;
}

type Outcome = "committed" | "aborted" | "unknown";

interface Txn {
  producer: number;
  n: number;
  /** Records per partition. */
  planned: Map<number, number>;
  outcome: Outcome;
}

/** A small deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TxnChaos {
  readonly txns: Txn[] = [];
  private stopping = false;
  private readonly o: ChaosOptions;
  private readonly fetch: BrokerFetch;
  failures = 0;

  constructor(fetch: BrokerFetch, o: ChaosOptions) {
    this.fetch = fetch;
    this.o = o;
  }

  id(producer: number): string {
    return `${this.o.name}-${producer}`;
  }

  /** Runs every producer until stop(); resolves when each has finished its transaction. */
  run(): Promise<void> {
    return Promise.all(Array.from({ length: this.o.producers }, (_, p) => this.producer(p))).then(() => undefined);
  }

  stop(): void {
    this.stopping = true;
  }

  private async post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<any> {
    const res = await this.fetch(path, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json", ...headers },
    });
    const out = await res.json();
    if (res.status !== 200) throw Object.assign(new Error(`${path}: ${res.status} ${JSON.stringify(out)}`), { answered: true });
    return out;
  }

  /** init until it succeeds (the server may be down, the previous transaction completing). */
  private async init(producer: number): Promise<{ producer_id: number; producer_epoch: number }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.post(`/v1/transactions/${this.id(producer)}/init`, {});
      } catch {
        this.failures++;
        await sleep(Math.min(500, 20 * 2 ** Math.min(attempt, 5)));
      }
    }
  }

  private async producer(p: number): Promise<void> {
    const random = this.o.random;
    let ident = await this.init(p);
    for (let n = 0; !this.stopping; n++) {
      const planned = new Map<number, number>();
      const width = 1 + Math.floor(random() * Math.min(3, this.o.partitions));
      while (planned.size < width) planned.set(Math.floor(random() * this.o.partitions), 1 + Math.floor(random() * 3));
      const commit = random() < 0.6;
      const txn: Txn = { producer: p, n, planned, outcome: "aborted" };
      this.txns.push(txn);
      let stage: "produce" | "end" = "produce";
      try {
        for (const [partition, count] of planned) {
          await this.post(
            `/v1/topics/${this.o.topic}/records?partition=${partition}`,
            { records: Array.from({ length: count }, (_, i) => ({ value: `${p}:${n}:${partition}:${i}` })) },
            {
              "transactional-id": this.id(p),
              "producer-id": String(ident.producer_id),
              "producer-epoch": String(ident.producer_epoch),
              "producer-seq": "0",
            },
          );
        }
        stage = "end";
        // Once a commit is sent its outcome is unknown until answered.
        if (commit) txn.outcome = "unknown";
        const sent = this.post(`/v1/transactions/${this.id(p)}/${commit ? "commit" : "abort"}`, ident);
        if (commit) this.o.onCommitSent?.(p);
        const answer = await sent;
        txn.outcome = commit ? "committed" : "aborted";
        ident = { producer_id: answer.producer_id, producer_epoch: answer.producer_epoch };
      } catch {
        // A failed produce: no commit was sent, the next init aborts it. A failed end: the
        // outcome is whatever the coordinator decided (a commit may have reached PrepareCommit).
        this.failures++;
        if (stage === "produce") txn.outcome = "aborted";
        ident = await this.init(p);
      }
    }
  }

  /** Waits until no coordinator is between its phases or open (the alarm re-drives markers). */
  async settle(kick: (producer: number) => Promise<void> = async () => undefined, deadlineMs = 60_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    const pending = new Set(Array.from({ length: this.o.producers }, (_, p) => p));
    while (pending.size > 0) {
      for (const p of [...pending]) {
        const res = await this.fetch(`/v1/transactions/${this.id(p)}`).catch(() => undefined);
        const state = res && res.status === 200 ? ((await res.json()) as { state: string }).state : undefined;
        if (state && state !== "Ongoing" && !state.startsWith("Prepare")) pending.delete(p);
        else await kick(p);
      }
      if (pending.size === 0) break;
      if (Date.now() > deadline) throw new Error(`transactions still open or completing: ${[...pending].map((p) => this.id(p))}`);
      await sleep(100);
    }
  }

  /** Checks every promise; returns counts for the report. Throws on the first violation. */
  async verify(): Promise<{ committed: number; aborted: number; unknownCommitted: number; unknownAborted: number; markers: number }> {
    const seen = new Map<string, Map<number, number>>(); // "p:n" -> partition -> records
    let markers = 0;
    for (let partition = 0; partition < this.o.partitions; partition++) {
      const last = new Map<number, [number, number]>(); // producer -> [txn, record] last seen
      for (let offset = 0; ; ) {
        const res = await this.fetch(
          `/v1/topics/${this.o.topic}/partitions/${partition}/records?offset=${offset}&max_records=10000&isolation=read_committed`,
        );
        const page = (await res.json()) as {
          records: Array<{ offset: number; value: string }>;
          next_offset: number;
          high_watermark: number;
          last_stable_offset: number;
        };
        if (res.status !== 200) throw new Error(`read_committed ${partition}: ${JSON.stringify(page)}`);
        if (page.last_stable_offset !== page.high_watermark)
          throw new Error(
            `partition ${partition}: an open transaction remains (LSO ${page.last_stable_offset}, HW ${page.high_watermark})`,
          );
        for (const r of page.records) {
          const [p, n, part, i] = r.value.split(":").map(Number) as [number, number, number, number];
          if (part !== partition) throw new Error(`record ${r.value} on partition ${partition}`);
          const prev = last.get(p);
          // In order, each once: per producer, (transaction, record) strictly increases.
          if (prev && (n < prev[0] || (n === prev[0] && i <= prev[1])))
            throw new Error(`partition ${partition}: ${r.value} after ${p}:${prev[0]}:${partition}:${prev[1]} (out of order or twice)`);
          last.set(p, [n, i]);
          const key = `${p}:${n}`;
          const per = seen.get(key) ?? new Map<number, number>();
          per.set(partition, (per.get(partition) ?? 0) + 1);
          seen.set(key, per);
        }
        if (page.next_offset >= page.high_watermark || (page.records.length === 0 && page.next_offset === offset)) break;
        offset = page.next_offset;
      }
      markers += await this.checkMarkers(partition);
    }
    // unknown*: a commit whose answer was lost (the kill came after it was sent), by what it became.
    const counts = { committed: 0, aborted: 0, unknownCommitted: 0, unknownAborted: 0, markers };
    for (const t of this.txns) {
      const got = seen.get(`${t.producer}:${t.n}`);
      seen.delete(`${t.producer}:${t.n}`);
      const whole = got !== undefined && got.size === t.planned.size && [...t.planned].every(([part, c]) => got.get(part) === c);
      const label = `${this.id(t.producer)} transaction ${t.n} (${t.outcome}, planned ${JSON.stringify([...t.planned])}, read ${JSON.stringify(got ? [...got] : [])})`;
      if (got !== undefined && !whole) throw new Error(`partly visible: ${label}`);
      if (t.outcome === "committed" && !whole) throw new Error(`acknowledged commit missing: ${label}`);
      if (t.outcome === "aborted" && got !== undefined) throw new Error(`aborted but visible: ${label}`);
      if (t.outcome === "unknown") counts[whole ? "unknownCommitted" : "unknownAborted"]++;
      else counts[whole ? "committed" : "aborted"]++;
    }
    if (seen.size > 0) throw new Error(`records of transactions never sent: ${[...seen.keys()]}`);
    return counts;
  }

  /** No marker twice: per producer id, each epoch's marker at most once on the partition. */
  private async checkMarkers(partition: number): Promise<number> {
    const seen = new Set<string>();
    let count = 0;
    for (let offset = 0; ; ) {
      const res = await this.fetch(`/v1/topics/${this.o.topic}/partitions/${partition}/records?offset=${offset}&max_bytes=4194304`, {
        headers: { accept: "application/vnd.kafka.record-batch" },
      });
      if (res.status !== 200) throw new Error(`binary read ${partition}: ${res.status} ${await res.text()}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.length === 0) return count;
      let next = offset;
      for (let pos = 0; pos < bytes.length; ) {
        const h = readBatchHeader(bytes, pos);
        if (h.attributes & CONTROL_FLAG) {
          const key = `${h.producerId}/${h.producerEpoch}`;
          if (seen.has(key)) throw new Error(`partition ${partition}: a second marker for producer ${key} at ${h.baseOffset}`);
          if (!(h.attributes & TRANSACTIONAL_FLAG)) throw new Error(`partition ${partition}: a marker without the transactional bit`);
          seen.add(key);
          count++;
        }
        next = h.baseOffset + h.lastOffsetDelta + 1;
        pos += h.size;
      }
      offset = next;
    }
  }
}
