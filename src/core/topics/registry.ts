// Topic metadata, kept by the single cluster object: names, partition counts, configs and the
// epoch of each topic incarnation. Epochs come from one counter that never goes back, so a topic
// deleted and created again under the same name is told apart by every partition object.
import { CLUSTER_META_TABLE, migrateTopicsTable, TOPICS_TABLE } from "./schema.ts";
import { BrokerError, fail, type Failure } from "../errors.ts";
import type { KeyListing, KeyResult } from "../keys/registry.ts";
import type { ProducerIdResult } from "./producer-registry.ts";
import type { StoragePort } from "../storage-port.ts";
import { validateConfig, validateTopicName, type TopicConfig } from "./config.ts";

export interface TopicInfo {
  name: string;
  partitions: number;
  epoch: number;
  config: TopicConfig;
  /**
   * Counts the config changes of this incarnation (0 at creation). Appends and configure calls
   * carry it with the config, and a partition ignores a config older than the one it holds: a
   * process whose cache predates a PATCH cannot put the old config back (PartitionLog.applyConfig).
   */
  config_revision: number;
  created_at: number;
}

export interface CreateTopicRequest {
  name: string;
  partitions: number;
  config?: TopicConfig;
}

export type TopicResult = { ok: true; topic: TopicInfo } | Failure;

interface TopicRow extends Record<string, string | number> {
  name: string;
  partitions: number;
  epoch: number;
  config: string;
  config_revision: number;
  created_at: number;
}

function toInfo(row: TopicRow): TopicInfo {
  return {
    name: row.name,
    partitions: row.partitions,
    epoch: row.epoch,
    config: JSON.parse(row.config),
    config_revision: row.config_revision,
    created_at: row.created_at,
  };
}

function guard(fn: () => TopicResult): TopicResult {
  try {
    return fn();
  } catch (err) {
    if (err instanceof BrokerError) return fail(err.code, err.message, err.extra);
    throw err;
  }
}

export class TopicRegistry {
  private readonly storage: StoragePort;
  private readonly maxPartitions: number;
  private readonly maxTopics: number;
  private readonly now: () => number;

  constructor(storage: StoragePort, limits: { maxPartitions: number; maxTopics: number }, now: () => number = Date.now) {
    this.storage = storage;
    this.maxPartitions = limits.maxPartitions;
    this.maxTopics = limits.maxTopics;
    this.now = now;
    storage.sql.exec(TOPICS_TABLE);
    migrateTopicsTable(storage.sql);
    storage.sql.exec(CLUSTER_META_TABLE);
  }

  create(req: CreateTopicRequest): TopicResult {
    return guard(() => {
      const name = validateTopicName(req.name);
      const partitions = req.partitions;
      if (!Number.isSafeInteger(partitions) || partitions < 1 || partitions > this.maxPartitions) {
        return fail(
          "invalid_partitions",
          `partitions: expected an integer from 1 to ${this.maxPartitions}, got ${JSON.stringify(partitions)}`,
        );
      }
      const config = validateConfig(req.config);
      if (this.get(name)) return fail("topic_exists", `topic "${name}" already exists`);
      const count = this.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM topics").one().n;
      if (count >= this.maxTopics) {
        return fail("limit_exceeded", `the cluster already has ${count} topics, the limit (maxTopics = ${this.maxTopics})`, {
          limit: this.maxTopics,
        });
      }
      const topic = this.storage.transactionSync(() => {
        const last =
          this.storage.sql.exec<{ value: number }>("SELECT value FROM cluster_meta WHERE key = 'epoch'").toArray()[0]?.value ?? 0;
        const info: TopicInfo = { name, partitions, epoch: last + 1, config, config_revision: 0, created_at: this.now() };
        this.storage.sql.exec("INSERT OR REPLACE INTO cluster_meta (key, value) VALUES ('epoch', ?)", info.epoch);
        this.storage.sql.exec(
          "INSERT INTO topics (name, partitions, epoch, config, created_at) VALUES (?, ?, ?, ?, ?)",
          info.name,
          info.partitions,
          info.epoch,
          JSON.stringify(info.config),
          info.created_at,
        );
        return info;
      });
      return { ok: true, topic };
    });
  }

  get(name: string): TopicInfo | undefined {
    const row = this.storage.sql.exec<TopicRow>("SELECT * FROM topics WHERE name = ?", name).toArray()[0];
    return row && toInfo(row);
  }

  describe(name: string): TopicResult {
    const topic = this.get(name);
    return topic ? { ok: true, topic } : fail("topic_not_found", `topic "${name}" does not exist`);
  }

  list(): TopicInfo[] {
    return this.storage.sql.exec<TopicRow>("SELECT * FROM topics ORDER BY name").toArray().map(toInfo);
  }

  /**
   * Removes the topic; the caller then drops each partition object with the returned epoch. With
   * `epoch`, only that incarnation is removed (a newer one of the same name stays).
   */
  delete(name: string, epoch?: number): TopicResult {
    const topic = this.get(name);
    if (!topic || (epoch !== undefined && topic.epoch !== epoch)) return fail("topic_not_found", `topic "${name}" does not exist`);
    this.storage.sql.exec("DELETE FROM topics WHERE name = ?", name);
    return { ok: true, topic };
  }

  /**
   * Grows the topic to `count` partitions (Kafka's CreatePartitions: a count never shrinks). The
   * epoch stays, so the existing partitions keep their data; the new partition objects start
   * empty at their first call. Keys hash over the new count from then on, as in Kafka.
   */
  addPartitions(name: string, count: number): TopicResult {
    const topic = this.get(name);
    if (!topic) return fail("topic_not_found", `topic "${name}" does not exist`);
    if (!Number.isSafeInteger(count) || count <= topic.partitions || count > this.maxPartitions) {
      return fail(
        "invalid_partitions",
        `partitions: expected an integer above the current ${topic.partitions} and at most ${this.maxPartitions}, got ${JSON.stringify(count)}`,
      );
    }
    this.storage.sql.exec("UPDATE topics SET partitions = ? WHERE name = ?", count, name);
    return { ok: true, topic: { ...topic, partitions: count } };
  }

  /**
   * Merges config changes into the topic's stored configs (PATCH semantics) and moves the config
   * revision on, also when no value changed: a partition that missed an earlier change must not
   * take that change's config from a stale append after this one (PartitionLog.applyConfig).
   */
  updateConfig(name: string, changes: TopicConfig): TopicResult {
    return guard(() => {
      const topic = this.get(name);
      if (!topic) return fail("topic_not_found", `topic "${name}" does not exist`);
      const config = { ...topic.config, ...validateConfig(changes) };
      const revision = topic.config_revision + 1;
      this.storage.sql.exec("UPDATE topics SET config = ?, config_revision = ? WHERE name = ?", JSON.stringify(config), revision, name);
      return { ok: true, topic: { ...topic, config, config_revision: revision } };
    });
  }
}

/** What the HTTP layer needs from the cluster object, whether a Durable Object stub or a local actor. */
export interface ClusterApi {
  createTopic(req: CreateTopicRequest): Promise<TopicResult>;
  listTopics(): Promise<TopicInfo[]>;
  describeTopic(name: string): Promise<TopicResult>;
  deleteTopic(name: string, epoch?: number): Promise<TopicResult>;
  updateTopicConfig(name: string, config: TopicConfig): Promise<TopicResult>;
  addPartitions(name: string, count: number): Promise<TopicResult>;
  initProducer(name?: string): Promise<ProducerIdResult>;
  registerKey(key: KeyListing): Promise<{ ok: true }>;
  listKeys(): Promise<KeyListing[]>;
  getKey(id: string): Promise<KeyResult>;
  markKey(id: string, field: "rotated_at" | "revoked_at", at: number): Promise<KeyResult>;
  /** Readiness: the object answers and its SQLite storage can be queried. */
  ping(): Promise<{ ok: true }>;
}
