// Partition counts per topic, which keyed partitioning needs (the producer computes the key's
// partition itself, exactly as the broker would). Fetched once per topic and cached: a topic's
// partition count does not change while it exists; `forget` drops an entry when the broker says
// the topic or partition is gone (deleted and recreated).
import type { HttpClient } from "./http.ts";
import { seg } from "./http.ts";

export class PartitionCounts {
  private readonly cache = new Map<string, Promise<number>>();
  /** The counts already known, for placing a record without waiting a microtask. */
  private readonly resolved = new Map<string, number>();
  private readonly http: HttpClient;

  constructor(http: HttpClient) {
    this.http = http;
  }

  get(topic: string, signal?: AbortSignal): Promise<number> {
    let found = this.cache.get(topic);
    if (!found) {
      found = this.http.request<{ partitions: unknown[] }>("GET", `/v1/topics/${seg(topic)}`, { signal }).then((r) => {
        this.resolved.set(topic, r.body.partitions.length);
        return r.body.partitions.length;
      });
      this.cache.set(topic, found);
      // A failure is not cached: the next send asks again.
      found.catch(() => this.cache.get(topic) === found && this.cache.delete(topic));
    }
    return found;
  }

  known(topic: string): number | undefined {
    return this.resolved.get(topic);
  }

  forget(topic: string): void {
    this.cache.delete(topic);
    this.resolved.delete(topic);
  }
}
