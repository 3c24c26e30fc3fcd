// The single cluster object ("cluster"): topic metadata, producer ids, the API key listing.
// Thin: each RPC method forwards to the portable ClusterService.
import { DurableObject } from "cloudflare:workers";
import { ClusterService } from "../core/cluster-service.ts";
import type { KeyListing, KeyResult } from "../core/key-registry.ts";
import { limitsFromEnv } from "../core/limits.ts";
import type { ProducerIdResult } from "../core/producer-registry.ts";
import type { StoragePort } from "../core/storage-port.ts";
import type { TopicConfig } from "../core/topic-config.ts";
import type { CreateTopicRequest, TopicInfo, TopicResult } from "../core/topic-registry.ts";
import type { Env } from "./env.ts";

export class ClusterObject extends DurableObject<Env> {
  private readonly service: ClusterService;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.service = new ClusterService(ctx.storage as unknown as StoragePort, limitsFromEnv(env));
  }

  createTopic(req: CreateTopicRequest): TopicResult {
    return this.service.createTopic(req);
  }

  listTopics(): TopicInfo[] {
    return this.service.listTopics();
  }

  describeTopic(name: string): TopicResult {
    return this.service.describeTopic(name);
  }

  deleteTopic(name: string, epoch?: number): TopicResult {
    return this.service.deleteTopic(name, epoch);
  }

  updateTopicConfig(name: string, config: TopicConfig): TopicResult {
    return this.service.updateTopicConfig(name, config);
  }

  addPartitions(name: string, count: number): TopicResult {
    return this.service.addPartitions(name, count);
  }

  initProducer(name?: string): ProducerIdResult {
    return this.service.initProducer(name);
  }

  registerKey(key: KeyListing): { ok: true } {
    return this.service.registerKey(key);
  }

  listKeys(): KeyListing[] {
    return this.service.listKeys();
  }

  getKey(id: string): KeyResult {
    return this.service.getKey(id);
  }

  markKey(id: string, field: "rotated_at" | "revoked_at", at: number): KeyResult {
    return this.service.markKey(id, field, at);
  }
}
