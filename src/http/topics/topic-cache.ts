// Per-process cache of topic metadata, so produce and fetch do not ask the cluster object on every
// request. A stale entry is safe: partition objects check the topic epoch and answer
// topic_not_found, upon which `withTopic` refreshes once and retries with the current incarnation.
import { BrokerError, type Failure } from "../../core/errors.ts";
import type { ClusterApi, TopicInfo } from "../../core/topics/registry.ts";

export class TopicCache {
  private readonly cluster: () => ClusterApi;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, { topic: TopicInfo; at: number }>();

  constructor(cluster: () => ClusterApi, ttlMs: number, now: () => number) {
    this.cluster = cluster;
    this.ttlMs = ttlMs;
    this.now = now;
  }

  async get(name: string, fresh = false): Promise<TopicInfo> {
    const hit = this.entries.get(name);
    if (!fresh && hit && this.now() - hit.at < this.ttlMs) return hit.topic;
    const result = await this.cluster().describeTopic(name);
    if (!result.ok) {
      this.entries.delete(name);
      throw BrokerError.from(result);
    }
    this.put(result.topic);
    return result.topic;
  }

  put(topic: TopicInfo): void {
    this.entries.set(topic.name, { topic, at: this.now() });
  }

  forget(name: string): void {
    this.entries.delete(name);
  }

  /** Runs `fn` against the topic; if a partition says the incarnation is gone, refreshes and retries once. */
  async withTopic<T extends { ok: true } | Failure>(name: string, fn: (topic: TopicInfo) => Promise<T>): Promise<Exclude<T, Failure>> {
    const topic = await this.get(name);
    let result = await fn(topic);
    if (!result.ok && result.error.code === "topic_not_found") {
      const current = await this.get(name, true);
      if (current.epoch !== topic.epoch) result = await fn(current);
    }
    if (!result.ok) throw BrokerError.from(result as Failure);
    return result as Exclude<T, Failure>;
  }
}
