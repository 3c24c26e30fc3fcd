// Administration over the broker's HTTP API: topics, offsets, consumer groups, API keys and
// producer ids. Answers are the broker's own JSON shapes (docs/topics.md, docs/http-api.md), typed here;
// list calls return the list itself.
import { HttpClient, seg } from "./http.ts";
import type { ClientOptions, TopicPartitionOffset } from "./types.ts";

export interface PartitionDescription {
  partition: number;
  start_offset: number;
  end_offset: number;
  [field: string]: unknown;
}

export interface TopicDescription {
  name: string;
  partitions: PartitionDescription[];
  config: Record<string, unknown>;
  created_at?: number;
}

export interface TopicListing {
  name: string;
  partitions: number;
}

export type OffsetSpec = number | "earliest" | "latest";
export type ResetTarget = "earliest" | "latest" | { timestamp: number };

/** A group offset reset; offsets are clamped to each partition's [log start, log end]. */
export type ResetOffsetsRequest =
  | { topics: string[]; to: ResetTarget; force?: boolean; dry_run?: boolean }
  | { offsets: TopicPartitionOffset[]; force?: boolean; dry_run?: boolean };

/** One partition of a reset's answer (dry run or not). */
export interface ResetOffsetResult extends TopicPartitionOffset {
  previous_offset: number | null;
  requested_offset: number;
  log_start_offset: number;
  log_end_offset: number;
  /** Set when the requested offset lay outside the log and was moved to its start or end. */
  clamped: "log_start" | "log_end" | null;
}

export interface GroupListing {
  group: string;
  created_at?: number;
}

export interface GroupDescription {
  group: string;
  group_epoch: number;
  assignment_epoch: number;
  assignor: string;
  state: "empty" | "stable" | "reconciling";
  members: Array<{
    member_id: string;
    member_epoch: number;
    assignment: Array<{ topic: string; partitions: number[] }>;
    pending: Array<{ topic: string; partitions: number[] }>;
    [field: string]: unknown;
  }>;
  offsets: Array<{
    topic: string;
    partition: number;
    offset: number;
    metadata: string | null;
    commit_time: number;
    high_watermark: number | null;
    lag: number | null;
  }>;
  [field: string]: unknown;
}

export type Operation = "produce" | "consume" | "admin";
export interface Grant {
  operation: Operation;
  /** `topic:<name or prefix*>`, `group:<name or prefix*>`, or `*`. */
  resource: string;
}

export interface KeyListing {
  id: string;
  name: string;
  grants: Grant[];
  quotas: { requests_per_second?: number; bytes_per_second?: number };
  created_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
}

export interface CreatedKey extends KeyListing {
  /** Shown once: the bearer token for this key. */
  secret: string;
}

export class Admin {
  private readonly http: HttpClient;

  constructor(opts: ClientOptions) {
    this.http = new HttpClient(opts);
  }

  // ---- topics ----------------------------------------------------------------------------------

  async createTopic(req: { name: string; partitions?: number; config?: Record<string, unknown> }): Promise<TopicDescription> {
    return (await this.http.request<TopicDescription>("POST", "/v1/topics", { body: req, retry: "refused" })).body;
  }

  async listTopics(): Promise<TopicListing[]> {
    return (await this.http.request<{ topics: TopicListing[] }>("GET", "/v1/topics")).body.topics;
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    return (await this.http.request<TopicDescription>("GET", `/v1/topics/${seg(name)}`)).body;
  }

  async deleteTopic(name: string): Promise<void> {
    await this.http.request("DELETE", `/v1/topics/${seg(name)}`, { retry: "refused" });
  }

  async alterTopicConfig(name: string, config: Record<string, unknown>): Promise<TopicDescription> {
    return (await this.http.request<TopicDescription>("PATCH", `/v1/topics/${seg(name)}`, { body: { config } })).body;
  }

  /** The first offset whose timestamp is at or after `timestamp` (Kafka's ListOffsets), or the log's start/end. */
  async offsetForTimestamp(
    topic: string,
    partition: number,
    timestamp: OffsetSpec | Date,
  ): Promise<{ offset: number; timestamp: number | null }> {
    const ts = timestamp instanceof Date ? timestamp.getTime() : timestamp;
    const path = `/v1/topics/${seg(topic)}/partitions/${seg(partition)}/offsets`;
    return (await this.http.request<{ offset: number; timestamp: number | null }>("GET", path, { query: { timestamp: ts } })).body;
  }

  /** Deletes the records before `beforeOffset` (-1: the high watermark); answers the new start offset. */
  async deleteRecords(topic: string, partition: number, beforeOffset: number): Promise<{ start_offset: number }> {
    const path = `/v1/topics/${seg(topic)}/partitions/${seg(partition)}/delete-records`;
    return (await this.http.request<{ start_offset: number }>("POST", path, { body: { before_offset: beforeOffset } })).body;
  }

  // ---- consumer groups -------------------------------------------------------------------------

  async listGroups(): Promise<GroupListing[]> {
    return (await this.http.request<{ groups: GroupListing[] }>("GET", "/v1/groups")).body.groups;
  }

  async describeGroup(group: string): Promise<GroupDescription> {
    return (await this.http.request<GroupDescription>("GET", `/v1/groups/${seg(group)}`)).body;
  }

  async deleteGroup(group: string): Promise<void> {
    await this.http.request("DELETE", `/v1/groups/${seg(group)}`, { retry: "refused" });
  }

  /** Moves the group's committed offsets (explicit, or earliest/latest/a timestamp for whole topics); `force` while members are active. */
  async resetOffsets(group: string, req: ResetOffsetsRequest): Promise<{ group: string; dry_run: boolean; offsets: ResetOffsetResult[] }> {
    return (
      await this.http.request<{ group: string; dry_run: boolean; offsets: ResetOffsetResult[] }>(
        "POST",
        `/v1/groups/${seg(group)}/offsets/reset`,
        { body: req },
      )
    ).body;
  }

  // ---- credentials -----------------------------------------------------------------------------

  async createKey(req: {
    name: string;
    grants: Grant[];
    quotas?: { requests_per_second?: number; bytes_per_second?: number };
  }): Promise<CreatedKey> {
    return (await this.http.request<CreatedKey>("POST", "/v1/keys", { body: req, retry: "refused" })).body;
  }

  async listKeys(): Promise<KeyListing[]> {
    return (await this.http.request<{ keys: KeyListing[] }>("GET", "/v1/keys")).body.keys;
  }

  async getKey(id: string): Promise<KeyListing> {
    return (await this.http.request<KeyListing>("GET", `/v1/keys/${seg(id)}`)).body;
  }

  /** Revoked at once: the key's next request is refused. */
  async revokeKey(id: string): Promise<void> {
    await this.http.request("DELETE", `/v1/keys/${seg(id)}`);
  }

  /** A new secret; with `graceMs` the old one stays valid that long (at most 7 days). */
  async rotateKey(
    id: string,
    opts: { graceMs?: number } = {},
  ): Promise<{ id: string; secret: string; rotated_at: number; previous_valid_until: number | null }> {
    const body = opts.graceMs === undefined ? {} : { grace_ms: opts.graceMs };
    return (
      await this.http.request<{ id: string; secret: string; rotated_at: number; previous_valid_until: number | null }>(
        "POST",
        `/v1/keys/${seg(id)}/rotate`,
        { body, retry: "refused" },
      )
    ).body;
  }

  // ---- idempotent producers --------------------------------------------------------------------

  /** A producer id and epoch; the same `name` again bumps the epoch and fences the older incarnation. */
  async createProducerId(name?: string): Promise<{ producer_id: number; producer_epoch: number }> {
    return (
      await this.http.request<{ producer_id: number; producer_epoch: number }>("POST", "/v1/producers", {
        body: name === undefined ? {} : { name },
        retry: "refused",
      })
    ).body;
  }
}
