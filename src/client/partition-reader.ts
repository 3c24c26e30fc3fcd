// Reading without a group: every partition of the topics (or the chosen ones), positions kept
// here, starting at autoOffsetReset or where seek() says. A round fetches every partition at
// once; if none has anything new and the consumer may wait, all of them long-poll together and
// the first answer with records wins (the others are cancelled and asked again next round).
import { decodeRecord } from "./codec.ts";
import { EdgebrokerError, invalidArgument } from "./errors.ts";
import { type HttpClient, seg } from "./http.ts";
import { fromKey, tpKey, type AssignmentListener, type ReadSettings, type RecordSource } from "./consumer-types.ts";
import type { ConsumerRecord, TopicPartitionOffset } from "./types.ts";

type Position = number | "earliest" | "latest";

interface FetchAnswer {
  records: Array<Record<string, unknown>>;
  next_offset: number;
}

export interface ReaderSettings extends ReadSettings {
  /** Only these partition numbers (of every topic); default all. */
  partitions: number[] | undefined;
}

export class PartitionReader implements RecordSource {
  private positions: Map<string, Position> | undefined;
  private readonly seeks = new Map<string, number>();
  private readonly http: HttpClient;
  private readonly s: ReaderSettings;
  private readonly listener: AssignmentListener;

  constructor(http: HttpClient, settings: ReaderSettings, listener: AssignmentListener) {
    this.http = http;
    this.s = settings;
    this.listener = listener;
  }

  private async start(signal: AbortSignal): Promise<Map<string, Position>> {
    const positions = new Map<string, Position>();
    for (const topic of this.s.topics) {
      const described = (await this.http.request<{ partitions: unknown[] }>("GET", `/v1/topics/${seg(topic)}`, { signal })).body;
      const count = described.partitions.length;
      const chosen = this.s.partitions ?? Array.from({ length: count }, (_, i) => i);
      for (const p of chosen) {
        if (p >= count)
          throw new EdgebrokerError(
            "partition_not_found",
            `topic "${topic}" has partitions 0 to ${count - 1}; partition ${p} does not exist`,
            { status: 404, retriable: false },
          );
        positions.set(tpKey(topic, p), this.s.autoOffsetReset);
      }
    }
    for (const [key, offset] of this.seeks) if (positions.has(key)) positions.set(key, offset);
    this.seeks.clear();
    this.positions = positions;
    await this.listener.assigned([...positions.keys()].map(fromKey));
    return positions;
  }

  async fetch(signal: AbortSignal): Promise<ConsumerRecord[]> {
    const positions = this.positions ?? (await this.start(signal));
    for (const [key, offset] of this.seeks) if (positions.has(key)) positions.set(key, offset);
    this.seeks.clear();
    const keys = [...positions.keys()];
    const now = await Promise.all(keys.map((k) => this.read(k, 0, signal)));
    const got = now.flat();
    if (got.length > 0 || this.s.waitMs === 0) return got;
    // Nothing anywhere: wait on all partitions; the first to answer with records ends the wait.
    const race = new AbortController();
    const onAbort = () => race.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      const waits = keys.map((k) =>
        this.read(k, this.s.waitMs, race.signal).then((records) => {
          if (records.length > 0) race.abort();
          return records;
        }),
      );
      const settled = await Promise.allSettled(waits);
      if (signal.aborted) throw signal.reason;
      const out: ConsumerRecord[] = [];
      for (const r of settled) {
        if (r.status === "fulfilled") out.push(...r.value);
        else if (!(r.reason instanceof EdgebrokerError && r.reason.code === "aborted")) throw r.reason;
      }
      return out;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** Reads one partition from its position; moves the position only when the answer is taken. */
  private async read(key: string, waitMs: number, signal: AbortSignal): Promise<ConsumerRecord[]> {
    const { topic, partition } = fromKey(key);
    const positions = this.positions!;
    const from = positions.get(key)!;
    const query = {
      offset: from,
      max_records: this.s.maxRecords,
      max_bytes: this.s.maxBytes,
      wait_ms: waitMs,
      isolation: this.s.isolation === "read_committed" ? this.s.isolation : undefined,
    };
    let answer: FetchAnswer;
    try {
      answer = (
        await this.http.request<FetchAnswer>("GET", `/v1/topics/${seg(topic)}/partitions/${partition}/records`, { query, waitMs, signal })
      ).body;
    } catch (err) {
      // Retention removed the records at our position (or the topic was recreated): start over
      // where autoOffsetReset says, as Kafka's consumer does.
      if (err instanceof EdgebrokerError && err.code === "offset_out_of_range" && typeof from === "number") {
        positions.set(key, this.s.autoOffsetReset);
        return [];
      }
      throw err;
    }
    if (signal.aborted || positions.get(key) !== from) return []; // cancelled, or a seek moved it meanwhile
    positions.set(key, answer.next_offset);
    return answer.records.map((r) => decodeRecord(r, this.http.encoding, this.s.decode, topic, partition));
  }

  async commit(): Promise<void> {
    throw invalidArgument(
      "commit: a consumer without a group has no committed offsets (give `group`, or keep positions yourself and seek())",
    );
  }

  seek(to: TopicPartitionOffset): void {
    this.seeks.set(tpKey(to.topic, to.partition), to.offset);
  }

  async close(): Promise<void> {
    if (this.positions) await this.listener.revoked([...this.positions.keys()].map(fromKey));
    this.positions = undefined;
  }
}
