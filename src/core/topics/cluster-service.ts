// The cluster object's behaviour in one portable class: topic metadata, producer ids and the API
// key listing, over one storage. The Durable Object (src/worker/cluster-object.ts) forwards its
// RPC methods here; the standalone host serves it as is.
import type { Serves } from "../object-api.ts";
import type { ClusterApi } from "./registry.ts";
import type { KeyListing, KeyResult } from "../keys/registry.ts";
import { KeyRegistry } from "../keys/registry.ts";
import type { Limits } from "../limits.ts";
import { ProducerRegistry, type ProducerIdResult } from "./producer-registry.ts";
import type { StoragePort } from "../storage-port.ts";
import type { TopicConfig } from "./config.ts";
import { TopicRegistry, type CreateTopicRequest, type TopicInfo, type TopicResult } from "./registry.ts";

export class ClusterService implements Serves<ClusterApi> {
  private readonly topics: TopicRegistry;
  private readonly producers: ProducerRegistry;
  private readonly keys: KeyRegistry;
  private readonly storage: StoragePort;

  constructor(storage: StoragePort, limits: Pick<Limits, "maxPartitions" | "maxTopics">) {
    this.storage = storage;
    this.topics = new TopicRegistry(storage, limits);
    this.producers = new ProducerRegistry(storage);
    this.keys = new KeyRegistry(storage);
  }

  createTopic(req: CreateTopicRequest): TopicResult {
    return this.topics.create(req);
  }

  listTopics(): TopicInfo[] {
    return this.topics.list();
  }

  describeTopic(name: string): TopicResult {
    return this.topics.describe(name);
  }

  deleteTopic(name: string, epoch?: number): TopicResult {
    return this.topics.delete(name, epoch);
  }

  updateTopicConfig(name: string, config: TopicConfig): TopicResult {
    return this.topics.updateConfig(name, config);
  }

  initProducer(name?: string): ProducerIdResult {
    return this.producers.init(name);
  }

  registerKey(key: KeyListing): { ok: true } {
    return this.keys.register(key);
  }

  ping(): { ok: true } {
    this.storage.sql.exec("SELECT 1").toArray();
    return { ok: true };
  }

  listKeys(): KeyListing[] {
    return this.keys.list();
  }

  getKey(id: string): KeyResult {
    return this.keys.get(id);
  }

  markKey(id: string, field: "rotated_at" | "revoked_at", at: number): KeyResult {
    return this.keys.mark(id, field, at);
  }
}
