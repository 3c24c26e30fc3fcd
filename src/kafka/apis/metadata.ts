// Metadata (key 3), v0-v12, flexible from v9. One broker — this one, at the advertised address —
// leads every partition, with itself as the only replica: replication is the platform's
// (Durable Object storage on Cloudflare, the host's disk on a standalone server).
// Topics the principal may not see answer TOPIC_AUTHORIZATION_FAILED before any lookup; a request
// for every topic (null, or [] in v0) lists only the topics the principal's grants name. Topics
// are never created by a Metadata request (allow_auto_topic_creation is ignored): they are created
// explicitly, over HTTP or CreateTopics.
import type { TopicInfo } from "../../core/topics/registry.ts";
import { type KafkaApi, OPERATIONS_NOT_PROVIDED, type RequestContext } from "../api.ts";
import { KafkaError } from "../error-codes.ts";
import { array, f, type Msg } from "../protocol/schema.ts";

const request = [
  f("topics", "0+", array([f("topicId", "10+", "uuid"), f("name", "0+", "string", { nullable: "10+" })]), { nullable: "1+" }),
  f("allowAutoTopicCreation", "4+", "bool", { default: true }),
  f("includeClusterAuthorizedOperations", "8-10", "bool"),
  f("includeTopicAuthorizedOperations", "8+", "bool"),
];

const partition = [
  f("errorCode", "0+", "int16"),
  f("partitionIndex", "0+", "int32"),
  f("leaderId", "0+", "int32"),
  f("leaderEpoch", "7+", "int32", { default: -1 }),
  f("replicaNodes", "0+", array("int32")),
  f("isrNodes", "0+", array("int32")),
  f("offlineReplicas", "5+", array("int32")),
];

const response = [
  f("throttleTimeMs", "3+", "int32"),
  f(
    "brokers",
    "0+",
    array([f("nodeId", "0+", "int32"), f("host", "0+", "string"), f("port", "0+", "int32"), f("rack", "1+", "string", { nullable: "1+" })]),
  ),
  f("clusterId", "2+", "string", { nullable: "2+" }),
  f("controllerId", "1+", "int32", { default: -1 }),
  f(
    "topics",
    "0+",
    array([
      f("errorCode", "0+", "int16"),
      f("name", "0+", "string", { nullable: "12+" }),
      f("topicId", "10+", "uuid"),
      f("isInternal", "1+", "bool"),
      f("partitions", "0+", array(partition)),
      f("topicAuthorizedOperations", "8+", "int32", { default: OPERATIONS_NOT_PROVIDED }),
    ]),
  ),
  f("clusterAuthorizedOperations", "8-10", "int32", { default: OPERATIONS_NOT_PROVIDED }),
];

/** A topic id (KIP-516) derived from the topic's epoch, so a recreated topic gets a new id. */
export function topicId(topic: TopicInfo): Uint8Array {
  const id = new Uint8Array(16);
  const view = new DataView(id.buffer);
  view.setUint32(0, 0xeb0000ee);
  view.setBigUint64(8, BigInt(topic.epoch));
  return id;
}

function describeTopic(ctx: RequestContext, topic: TopicInfo): Msg {
  const node = ctx.broker.nodeId;
  return {
    errorCode: KafkaError.NONE,
    name: topic.name,
    topicId: topicId(topic),
    isInternal: false,
    partitions: Array.from({ length: topic.partitions }, (_, p) => ({
      errorCode: KafkaError.NONE,
      partitionIndex: p,
      leaderId: node,
      // KIP-320 leader epochs are not tracked (one leader that never moves): -1 makes clients
      // skip epoch validation, which would need OffsetForLeaderEpoch (not served).
      leaderEpoch: -1,
      replicaNodes: [node],
      isrNodes: [node],
      offlineReplicas: [],
    })),
  };
}

export function brokerList(ctx: RequestContext): Msg[] {
  return [{ nodeId: ctx.broker.nodeId, host: ctx.broker.host, port: ctx.broker.port, rack: null }];
}

export const metadataApi: KafkaApi = {
  apiKey: 3,
  name: "Metadata",
  minVersion: 0,
  maxVersion: 12,
  flexibleFrom: 9,
  request,
  response,
  async handle(ctx, req, version) {
    const requested = req.topics as Array<{ name: string | null }> | null;
    const all = requested === null || (version === 0 && requested.length === 0);
    let topics: Msg[];
    if (all) {
      const list = await ctx.deps.cluster().listTopics();
      topics = list
        .filter((t) => ctx.sees(`topic:${t.name}`))
        .map((t) => {
          ctx.config.topics.put(t);
          return describeTopic(ctx, t);
        });
    } else {
      topics = await Promise.all(
        requested.map(async ({ name }) => {
          const missing = (errorCode: number) => ({ errorCode, name, topicId: new Uint8Array(16), partitions: [] });
          if (name === null) return missing(KafkaError.UNKNOWN_TOPIC_ID);
          if (!ctx.allowed("produce", `topic:${name}`) && !ctx.allowed("consume", `topic:${name}`)) {
            return missing(KafkaError.TOPIC_AUTHORIZATION_FAILED);
          }
          const result = await ctx.deps.cluster().describeTopic(name);
          if (!result.ok)
            return missing(
              result.error.code === "invalid_topic_name" ? KafkaError.INVALID_TOPIC_EXCEPTION : KafkaError.UNKNOWN_TOPIC_OR_PARTITION,
            );
          ctx.config.topics.put(result.topic);
          return describeTopic(ctx, result.topic);
        }),
      );
    }
    return { throttleTimeMs: 0, brokers: brokerList(ctx), clusterId: ctx.config.clusterId, controllerId: ctx.broker.nodeId, topics };
  },
  refuse: (req, code) => ({
    brokers: [],
    topics: ((req.topics as Array<{ name: string | null }> | null) ?? []).map(({ name }) => ({ errorCode: code, name, partitions: [] })),
  }),
};
