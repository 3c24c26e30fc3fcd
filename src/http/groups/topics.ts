// A member's subscription resolved against the cluster's topics: names through the topic cache, a
// pattern against the topic list (cached here for the same TTL). The coordinator stores what each
// member resolved and assigns from the newest incarnation any member reported; the poll route
// compares its own view with the stored one and, when they differ, re-resolves without caches
// before telling the coordinator, so a Worker with a stale cache never undoes a fresher update.
import { BrokerError } from "../../core/errors.ts";
import type { Subscription, TopicMap } from "../../core/groups/types.ts";
import type { ClusterApi, TopicInfo } from "../../core/topics/registry.ts";
import type { TopicCache } from "../topics/topic-cache.ts";

export class SubscriptionResolver {
  private readonly cluster: () => ClusterApi;
  private readonly topics: TopicCache;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private listed: { at: number; topics: TopicInfo[] } | undefined;

  constructor(cluster: () => ClusterApi, topics: TopicCache, ttlMs: number, now: () => number) {
    this.cluster = cluster;
    this.topics = topics;
    this.ttlMs = ttlMs;
    this.now = now;
  }

  private async list(fresh: boolean): Promise<TopicInfo[]> {
    if (!fresh && this.listed && this.now() - this.listed.at < this.ttlMs) return this.listed.topics;
    const topics = await this.cluster().listTopics();
    this.listed = { at: this.now(), topics };
    return topics;
  }

  /**
   * topic → {partitions, epoch}, keys sorted. `strict`: a named topic that does not exist is a 404
   * (at join); otherwise it is left out (a topic deleted under a running group). `allowed` filters
   * what a pattern may match (the caller's consume grants).
   */
  async resolve(sub: Subscription, opts: { fresh: boolean; strict: boolean; allowed: (topic: string) => boolean }): Promise<TopicMap> {
    const found: TopicInfo[] = [];
    if (sub.topics) {
      const infos = await Promise.all(
        sub.topics.map((name) =>
          this.topics.get(name, opts.fresh).catch((err) => {
            if (!opts.strict && err instanceof BrokerError && err.code === "topic_not_found") return undefined;
            throw err;
          }),
        ),
      );
      for (const info of infos) if (info) found.push(info);
    } else if (sub.pattern !== undefined) {
      const re = new RegExp(`^(?:${sub.pattern})$`);
      for (const t of await this.list(opts.fresh)) if (re.test(t.name) && opts.allowed(t.name)) found.push(t);
    }
    const map: TopicMap = {};
    for (const t of found.sort((a, b) => (a.name < b.name ? -1 : 1))) map[t.name] = { partitions: t.partitions, epoch: t.epoch };
    return map;
  }
}

export function sameTopics(a: TopicMap, b: TopicMap): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
