// CreateTopics (key 19, v0-v7, flexible v5+), DeleteTopics (key 20, v0-v6, flexible v4+) and
// CreatePartitions (key 37, v0-v3, flexible v2+): the cluster object's createTopic /
// deleteTopic / addPartitions, with the same follow-up the HTTP topic routes do (the metadata
// cache learns the change; a deleted topic's partitions are dropped). Each needs an admin grant
// on the topic, checked on the name before any lookup. Replication factor and replica assignments
// name brokers: only -1 or 1 and broker 0 are accepted (one broker; the platform replicates).
import type { KafkaApi, RequestContext } from "../api.ts";
import { KafkaError, kafkaCodeFor } from "../error-codes.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { topicId } from "./metadata.ts";
import { configFromStrings, describeTopicConfigs } from "./configs.ts";
import { notAuthorized } from "./topic-access.ts";

interface Creatable {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: Array<{ partitionIndex: number; brokerIds: number[] }>;
  configs: Array<{ name: string; value: string | null }>;
}

const createRequest = [
  f("topics", "0+", array([
    f("name", "0+", "string"),
    f("numPartitions", "0+", "int32"),
    f("replicationFactor", "0+", "int16"),
    f("assignments", "0+", array([f("partitionIndex", "0+", "int32"), f("brokerIds", "0+", array("int32"))])),
    f("configs", "0+", array([f("name", "0+", "string"), f("value", "0+", "string", { nullable: "0+" })])),
  ])),
  f("timeoutMs", "0+", "int32", { default: 60000 }),
  f("validateOnly", "1+", "bool"),
];

const createResponse = [
  f("throttleTimeMs", "2+", "int32"),
  f("topics", "0+", array([
    f("name", "0+", "string"),
    f("topicId", "7+", "uuid"),
    f("errorCode", "0+", "int16"),
    f("errorMessage", "1+", "string", { nullable: "0+" }),
    f("topicConfigErrorCode", "5+", "int16", { tag: 0 }),
    f("numPartitions", "5+", "int32", { default: -1 }),
    f("replicationFactor", "5+", "int16", { default: -1 }),
    f("configs", "5+", array([
      f("name", "5+", "string"),
      f("value", "5+", "string", { nullable: "5+" }),
      f("readOnly", "5+", "bool"),
      f("configSource", "5+", "int8", { default: -1 }),
      f("isSensitive", "5+", "bool"),
    ]), { nullable: "5+" }),
  ])),
];

async function createOne(ctx: RequestContext, t: Creatable, validateOnly: boolean): Promise<Msg> {
  const answer = (errorCode: number, errorMessage: string | null, extra: Msg = {}) => ({ name: t.name, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: null, ...extra });
  if (!ctx.allowed("admin", `topic:${t.name}`)) return answer(KafkaError.TOPIC_AUTHORIZATION_FAILED, notAuthorized(ctx, `create topic ${t.name}`));
  if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
    return answer(KafkaError.INVALID_REPLICATION_FACTOR, "this broker has one replica per partition (the platform's storage replicates): use replication factor 1 or -1");
  }
  let partitions = t.numPartitions;
  if (t.assignments.length > 0) {
    if (partitions !== -1) return answer(KafkaError.INVALID_REQUEST, "give either numPartitions or assignments, not both");
    if (t.assignments.some((a) => a.brokerIds.some((b) => b !== ctx.broker.nodeId))) {
      return answer(KafkaError.INVALID_REPLICA_ASSIGNMENT, `the only broker is ${ctx.broker.nodeId}`);
    }
    partitions = t.assignments.length;
  }
  if (partitions === -1) partitions = 1; // num.partitions, Kafka's broker default
  const config = configFromStrings(t.configs);
  if (!config.ok) return answer(KafkaError.INVALID_CONFIG, config.message);
  if (validateOnly) {
    // The registry validates as it creates; without a dry-run there, check what can be checked.
    if (partitions < 1 || partitions > ctx.deps.limits.maxPartitions) return answer(KafkaError.INVALID_PARTITIONS, `partitions: expected 1 to ${ctx.deps.limits.maxPartitions}`);
    return answer(KafkaError.NONE, null, { numPartitions: partitions, replicationFactor: 1 });
  }
  const result = await ctx.deps.cluster().createTopic({ name: t.name, partitions, config: config.value });
  if (!result.ok) return answer(kafkaCodeFor(result.error.code), result.error.message);
  ctx.config.topics.put(result.topic);
  return answer(KafkaError.NONE, null, {
    topicId: topicId(result.topic),
    numPartitions: result.topic.partitions,
    replicationFactor: 1,
    configs: describeTopicConfigs(result.topic.config).map((c) => ({ name: c.name, value: c.value, readOnly: false, configSource: c.configSource, isSensitive: false })),
  });
}

export const createTopicsApi: KafkaApi = {
  apiKey: 19,
  name: "CreateTopics",
  minVersion: 0,
  maxVersion: 7,
  flexibleFrom: 5,
  request: createRequest,
  response: createResponse,
  async handle(ctx, req) {
    const topics = req.topics as Creatable[];
    const results: Msg[] = [];
    // One at a time: two entries for one name must not race (the second answers TOPIC_ALREADY_EXISTS).
    for (const t of topics) results.push(await createOne(ctx, t, req.validateOnly as boolean));
    return { throttleTimeMs: 0, topics: results };
  },
  refuse: (req, code) => ({ topics: (req.topics as Creatable[]).map((t) => ({ name: t.name, errorCode: code, errorMessage: null })) }),
};

const deleteRequest = [
  f("topics", "6+", array([f("name", "6+", "string", { nullable: "6+" }), f("topicId", "6+", "uuid")])),
  f("topicNames", "0-5", array("string")),
  f("timeoutMs", "0+", "int32"),
];

const deleteResponse = [
  f("throttleTimeMs", "1+", "int32"),
  f("responses", "0+", array([
    f("name", "0+", "string", { nullable: "6+" }),
    f("topicId", "6+", "uuid"),
    f("errorCode", "0+", "int16"),
    f("errorMessage", "5+", "string", { nullable: "5+" }),
  ])),
];

function sameId(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function deleteOne(ctx: RequestContext, name: string | null, id: Uint8Array): Promise<Msg> {
  if (name === null) {
    // v6 by topic id: the ids are derived from epochs, so find the topic that has it.
    const found = (await ctx.deps.cluster().listTopics()).find((t) => sameId(topicId(t), id));
    if (!found) return { name: null, topicId: id, errorCode: KafkaError.UNKNOWN_TOPIC_ID, errorMessage: "no topic has this id" };
    name = found.name;
  }
  const answer = (errorCode: number, errorMessage: string | null) => ({ name, topicId: id, errorCode, errorMessage });
  if (!ctx.allowed("admin", `topic:${name}`)) return answer(KafkaError.TOPIC_AUTHORIZATION_FAILED, notAuthorized(ctx, `delete topic ${name}`));
  const result = await ctx.deps.cluster().deleteTopic(name);
  if (!result.ok) return answer(kafkaCodeFor(result.error.code), result.error.message);
  const topic = result.topic;
  ctx.config.topics.forget(topic.name);
  await Promise.allSettled(
    Array.from({ length: topic.partitions }, (_, partition) => ctx.deps.partition(topic.name, partition).drop({ topic: topic.name, partition, epoch: topic.epoch })),
  );
  return { name, topicId: topicId(topic), errorCode: KafkaError.NONE, errorMessage: null };
}

export const deleteTopicsApi: KafkaApi = {
  apiKey: 20,
  name: "DeleteTopics",
  minVersion: 0,
  maxVersion: 6,
  flexibleFrom: 4,
  request: deleteRequest,
  response: deleteResponse,
  async handle(ctx, req, version) {
    const targets: Array<{ name: string | null; topicId: Uint8Array }> = version >= 6
      ? req.topics
      : (req.topicNames as string[]).map((name) => ({ name, topicId: new Uint8Array(16) }));
    const responses: Msg[] = [];
    for (const t of targets) responses.push(await deleteOne(ctx, t.name, t.topicId));
    return { throttleTimeMs: 0, responses };
  },
  refuse: (req, code, version) => ({
    responses: (version >= 6 ? (req.topics as Array<{ name: string | null }>).map((t) => t.name) : (req.topicNames as string[])).map((name) => ({ name, errorCode: code, errorMessage: null })),
  }),
};

interface Growth { name: string; count: number; assignments: Array<{ brokerIds: number[] }> | null }

export const createPartitionsApi: KafkaApi = {
  apiKey: 37,
  name: "CreatePartitions",
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 2,
  request: [
    f("topics", "0+", array([
      f("name", "0+", "string"),
      f("count", "0+", "int32"),
      f("assignments", "0+", array([f("brokerIds", "0+", array("int32"))]), { nullable: "0+" }),
    ])),
    f("timeoutMs", "0+", "int32"),
    f("validateOnly", "0+", "bool"),
  ],
  response: [
    f("throttleTimeMs", "0+", "int32"),
    f("results", "0+", array([f("name", "0+", "string"), f("errorCode", "0+", "int16"), f("errorMessage", "0+", "string", { nullable: "0+" })])),
  ],
  async handle(ctx, req) {
    const results: Msg[] = [];
    for (const t of req.topics as Growth[]) {
      const answer = (errorCode: number, errorMessage: string | null) => results.push({ name: t.name, errorCode, errorMessage });
      if (!ctx.allowed("admin", `topic:${t.name}`)) {
        answer(KafkaError.TOPIC_AUTHORIZATION_FAILED, notAuthorized(ctx, `add partitions to topic ${t.name}`));
        continue;
      }
      if (t.assignments?.some((a) => a.brokerIds.some((b) => b !== ctx.broker.nodeId))) {
        answer(KafkaError.INVALID_REPLICA_ASSIGNMENT, `the only broker is ${ctx.broker.nodeId}`);
        continue;
      }
      if (req.validateOnly) {
        const current = await ctx.deps.cluster().describeTopic(t.name);
        if (!current.ok) answer(kafkaCodeFor(current.error.code), current.error.message);
        else if (t.count <= current.topic.partitions || t.count > ctx.deps.limits.maxPartitions) answer(KafkaError.INVALID_PARTITIONS, `count must be above ${current.topic.partitions} and at most ${ctx.deps.limits.maxPartitions}`);
        else answer(KafkaError.NONE, null);
        continue;
      }
      const result = await ctx.deps.cluster().addPartitions(t.name, t.count);
      if (!result.ok) {
        answer(kafkaCodeFor(result.error.code), result.error.message);
        continue;
      }
      ctx.config.topics.put(result.topic);
      answer(KafkaError.NONE, null);
    }
    return { throttleTimeMs: 0, results };
  },
  refuse: (req, code) => ({ results: (req.topics as Growth[]).map((t) => ({ name: t.name, errorCode: code, errorMessage: null })) }),
};
