// The single cluster object ("cluster"): topic metadata. Thin: delegates to TopicRegistry.
import { DurableObject } from "cloudflare:workers";
import type { StoragePort } from "../core/storage-port.ts";
import type { TopicConfig } from "../core/topic-config.ts";
import { TopicRegistry, type CreateTopicRequest, type TopicInfo, type TopicResult } from "../core/topic-registry.ts";
import { limitsFromEnv } from "../core/limits.ts";
import { KeyRegistry, type KeyListing, type KeyResult } from "../core/key-registry.ts";
import { ProducerRegistry, type ProducerIdResult } from "../core/producer-registry.ts";
import type { Env } from "./env.ts";

export class ClusterObject extends DurableObject<Env> {
  private readonly registry: TopicRegistry;
  private readonly producers: ProducerRegistry;
  private readonly keys: KeyRegistry;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const storage = ctx.storage as unknown as StoragePort;
    this.registry = new TopicRegistry(storage, limitsFromEnv(env));
    this.producers = new ProducerRegistry(storage);
    this.keys = new KeyRegistry(storage);
  }

  createTopic(req: CreateTopicRequest): TopicResult {
    return this.registry.create(req);
  }

  listTopics(): TopicInfo[] {
    return this.registry.list();
  }

  describeTopic(name: string): TopicResult {
    return this.registry.describe(name);
  }

  deleteTopic(name: string): TopicResult {
    return this.registry.delete(name);
  }

  updateTopicConfig(name: string, config: TopicConfig): TopicResult {
    return this.registry.updateConfig(name, config);
  }

  initProducer(name?: string): ProducerIdResult {
    return this.producers.init(name);
  }

  registerKey(key: KeyListing): { ok: true } {
    return this.keys.register(key);
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
