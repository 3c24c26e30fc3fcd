// What every push source shares: a delivery the kind accepted is appended to the connector's
// topic once per delivery id within `dedupe.window.ms` — a retried webhook (the sender did not see
// our answer) is answered with the offset of its first append and not appended again. The ids are
// the source's durable progress (connect_deliveries); two copies arriving at once share one append.
import type { RecordInput } from "../batch/record-batch.ts";
import { fail, type Failure } from "../errors.ts";
import type { StoragePort } from "../storage-port.ts";
import type { ConnectBroker } from "./broker-port.ts";
import type { Fields } from "./config-fields.ts";
import { topicNameProblem } from "./sink-settings.ts";
import { ConfigProblem } from "./config-fields.ts";

export interface SourceSettings {
  topic: string;
  dedupeWindowMs: number;
}

export function sourceSettings(f: Fields): SourceSettings {
  const topic = f.required("topic", "the topic deliveries are appended to");
  const problem = topicNameProblem(topic);
  if (problem) throw new ConfigProblem(`topic: ${problem}`);
  return { topic, dedupeWindowMs: f.int("dedupe.window.ms", 86_400_000, 1_000, 30 * 86_400_000) };
}

export const SOURCE_TABLES = `CREATE TABLE IF NOT EXISTS connect_deliveries (
  id TEXT PRIMARY KEY, at INTEGER NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL)`;

type Appended = { ok: true; duplicate: boolean; partition: number; offset: number } | Failure;

export class SourceRunner {
  private readonly inFlight = new Map<string, Promise<Appended>>();

  private readonly storage: StoragePort;
  private readonly broker: ConnectBroker;
  private readonly settings: SourceSettings;
  private readonly now: () => number;

  constructor(storage: StoragePort, broker: ConnectBroker, settings: SourceSettings, now: () => number) {
    this.storage = storage;
    this.broker = broker;
    this.settings = settings;
    this.now = now;
    storage.sql.exec(SOURCE_TABLES);
    storage.sql.exec("CREATE INDEX IF NOT EXISTS connect_deliveries_at ON connect_deliveries (at)");
  }

  async append(id: string, record: RecordInput): Promise<Appended> {
    const now = this.now();
    this.storage.sql.exec("DELETE FROM connect_deliveries WHERE at < ?", now - this.settings.dedupeWindowMs);
    const seen = this.storage.sql
      .exec<{ partition: number; offset: number }>("SELECT partition, offset FROM connect_deliveries WHERE id = ?", id)
      .toArray()[0];
    if (seen) return { ok: true, duplicate: true, partition: seen.partition, offset: seen.offset };
    const running = this.inFlight.get(id);
    if (running) return running.then((r) => (r.ok ? { ...r, duplicate: true } : r));
    const work = this.appendOnce(id, record, now);
    this.inFlight.set(id, work);
    try {
      return await work;
    } finally {
      this.inFlight.delete(id);
    }
  }

  private async appendOnce(id: string, record: RecordInput, now: number): Promise<Appended> {
    const topic = await this.broker.topic(this.settings.topic);
    if (!topic.ok)
      return topic.error.code === "topic_not_found" ? fail("topic_not_found", `topic "${this.settings.topic}" does not exist`) : topic;
    const r = await this.broker.append(topic, [record]);
    if (!r.ok) return r;
    this.storage.sql.exec(
      "INSERT OR REPLACE INTO connect_deliveries (id, at, partition, offset) VALUES (?, ?, ?, ?)",
      id,
      now,
      r.partition,
      r.offset,
    );
    return { ok: true, duplicate: false, partition: r.partition, offset: r.offset };
  }

  /** Delivery ids remembered (within the window). */
  remembered(): number {
    return this.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM connect_deliveries").one().n;
  }
}
