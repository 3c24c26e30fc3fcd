// What a running connector may do with the broker, and nothing more: resolve topics, read a
// partition, append records, read and commit its consumer group's offsets. Every call is checked
// against the grants the connector's config implies (its topics, its DLQ topic, its group) before
// it reaches an object, so a connector touches only what its config names — the same `allows`
// check an API key's requests go through (core/keys/grants.ts). The objects are reached through
// the host's stubs (Durable Object namespaces on Workers, the actor host elsewhere).
import type { LogCore } from "../batch/log-core.ts";
import { encodeBatch, type RecordInput } from "../batch/record-batch.ts";
import { fail, type Failure } from "../errors.ts";
import type { GroupApi } from "../groups/types.ts";
import { GROUP_REGISTRY_NAME } from "../groups/types.ts";
import { allows, type Grant, type Operation } from "../keys/grants.ts";
import type { PartitionApi, ReadOk, ReadRequest, PartitionStats } from "../log/partition-types.ts";
import { partitionForKey } from "../topics/partitioner.ts";
import type { ClusterApi, TopicInfo } from "../topics/registry.ts";

/** The host's objects, as stubs (one per call on Workers, where a stub belongs to its request). */
export interface BrokerObjects {
  cluster(): ClusterApi;
  partition(topic: string, partition: number): PartitionApi;
  group(name: string): GroupApi;
  logCore(): Promise<LogCore>;
}

export interface ConnectBroker {
  topic(name: string): Promise<(TopicInfo & { ok: true }) | Failure>;
  read(topic: TopicInfo, partition: number, req: Omit<ReadRequest, "topic" | "partition" | "epoch">): Promise<ReadOk | Failure>;
  stats(topic: TopicInfo, partition: number): Promise<PartitionStats | Failure>;
  /** Appends to one partition (given) or to the key's partition (murmur2, like produce). */
  append(topic: TopicInfo, records: RecordInput[], partition?: number): Promise<{ ok: true; partition: number; offset: number } | Failure>;
  /** The group's committed offsets, "topic/partition" → offset (of the topic's current incarnation). */
  committed(group: string): Promise<Map<string, { offset: number; epoch: number }>>;
  commit(group: string, offsets: Array<{ topic: TopicInfo; partition: number; offset: number }>): Promise<{ ok: true } | Failure>;
}

/** A broker port limited to `grants`: a call outside them fails with `forbidden`, naming what it tried. */
export function scopedBroker(objects: BrokerObjects, grants: Grant[], who: string): ConnectBroker {
  const check = (op: Operation, resource: string): Failure | undefined =>
    allows(grants, op, resource) ? undefined : fail("forbidden", `connector "${who}" may not ${op} ${resource} (not named in its config)`);
  return {
    async topic(name) {
      const refused = check("consume", `topic:${name}`) && check("produce", `topic:${name}`);
      if (refused) return refused;
      const r = await objects.cluster().describeTopic(name);
      return r.ok ? { ...r.topic, ok: true } : r;
    },
    async read(topic, partition, req) {
      const refused = check("consume", `topic:${topic.name}`);
      if (refused) return refused;
      return objects.partition(topic.name, partition).read({ ...req, topic: topic.name, partition, epoch: topic.epoch });
    },
    async stats(topic, partition) {
      const refused = check("consume", `topic:${topic.name}`);
      if (refused) return refused;
      return objects.partition(topic.name, partition).stats({ topic: topic.name, partition, epoch: topic.epoch });
    },
    async append(topic, records, partition) {
      const refused = check("produce", `topic:${topic.name}`);
      if (refused) return refused;
      const p = partition ?? (records[0]?.key ? partitionForKey(records[0].key, topic.partitions) : 0);
      const core = await objects.logCore();
      const batch = encodeBatch(records, { crc32c: (b) => core.crc32c(b) });
      const r = await objects.partition(topic.name, p).append({
        topic: topic.name,
        partition: p,
        epoch: topic.epoch,
        batches: batch,
        config: topic.config,
        configRevision: topic.config_revision,
      });
      return r.ok ? { ok: true, partition: p, offset: r.baseOffsets[0]! } : r;
    },
    async committed(group) {
      const out = new Map<string, { offset: number; epoch: number }>();
      if (check("consume", `group:${group}`)) return out;
      const r = await objects.group(group).kafkaOffsets(group);
      for (const o of r.offsets) out.set(`${o.topic}/${o.partition}`, { offset: o.offset, epoch: o.topic_epoch });
      return out;
    },
    async commit(group, offsets) {
      const refused = check("consume", `group:${group}`) ?? offsets.map((o) => check("consume", `topic:${o.topic.name}`)).find(Boolean);
      if (refused) return refused;
      // A commit from outside group management (member "" and generation -1), as Kafka's admin
      // tools and assign()-consumers do: the group has no members, so it is accepted.
      const r = await objects.group(group).kafkaCommit(group, {
        memberId: "",
        groupInstanceId: null,
        generationId: -1,
        offsets: offsets.map((o) => ({
          topic: o.topic.name,
          partition: o.partition,
          offset: o.offset,
          metadata: null,
          topicEpoch: o.topic.epoch,
        })),
      });
      if (r.error) return fail("group_not_empty", `group "${group}" refused the commit (${r.error}); it must have no members of its own`);
      if (r.created) await objects.group(GROUP_REGISTRY_NAME).registerGroup(group);
      return { ok: true };
    },
  };
}
