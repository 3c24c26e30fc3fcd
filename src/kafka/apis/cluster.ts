// DeleteRecords (key 21, v0-v2, flexible v2+): the partition's deleteRecords, as
// POST …/delete-records does (offset -1 = the high watermark); needs an admin grant on the topic.
// DescribeCluster (key 60, v0-v1, flexible from v0, KIP-700): the one broker and the cluster id.
import { type KafkaApi, OPERATIONS_NOT_PROVIDED } from "../api.ts";
import { KafkaError } from "../error-codes.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { brokerList } from "./metadata.ts";
import { notAuthorized, onPartition } from "./topic-access.ts";

interface Trim {
  name: string;
  partitions: Array<{ partitionIndex: number; offset: number }>;
}

export const deleteRecordsApi: KafkaApi = {
  apiKey: 21,
  name: "DeleteRecords",
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  request: [
    f(
      "topics",
      "0+",
      array([f("name", "0+", "string"), f("partitions", "0+", array([f("partitionIndex", "0+", "int32"), f("offset", "0+", "int64")]))]),
    ),
    f("timeoutMs", "0+", "int32"),
  ],
  response: [
    f("throttleTimeMs", "0+", "int32"),
    f(
      "topics",
      "0+",
      array([
        f("name", "0+", "string"),
        f("partitions", "0+", array([f("partitionIndex", "0+", "int32"), f("lowWatermark", "0+", "int64"), f("errorCode", "0+", "int16")])),
      ]),
    ),
  ],
  async handle(ctx, req) {
    const topics = await Promise.all(
      (req.topics as Trim[]).map(async (t) => {
        const allowed = ctx.allowed("admin", `topic:${t.name}`);
        const partitions = await Promise.all(
          t.partitions.map(async (p): Promise<Msg> => {
            if (!allowed) {
              ctx.config.log(`kafka: DeleteRecords refused: ${notAuthorized(ctx, `delete records of topic ${t.name}`)}`);
              return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: KafkaError.TOPIC_AUTHORIZATION_FAILED };
            }
            const out = await onPartition(ctx, t.name, p.partitionIndex, (topic) =>
              ctx.deps
                .partition(topic.name, p.partitionIndex)
                .deleteRecords({ topic: topic.name, partition: p.partitionIndex, epoch: topic.epoch }, p.offset),
            );
            if (!out.ok) return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: out.code };
            return { partitionIndex: p.partitionIndex, lowWatermark: out.value.start_offset, errorCode: KafkaError.NONE };
          }),
        );
        return { name: t.name, partitions };
      }),
    );
    return { throttleTimeMs: 0, topics };
  },
  refuse: (req, code) => ({
    topics: (req.topics as Trim[]).map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: code })),
    })),
  }),
};

export const describeClusterApi: KafkaApi = {
  apiKey: 60,
  name: "DescribeCluster",
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 0,
  request: [f("includeClusterAuthorizedOperations", "0+", "bool"), f("endpointType", "1+", "int8", { default: 1 })],
  response: [
    f("throttleTimeMs", "0+", "int32"),
    f("errorCode", "0+", "int16"),
    f("errorMessage", "0+", "string", { nullable: "0+" }),
    f("endpointType", "1+", "int8", { default: 1 }),
    f("clusterId", "0+", "string"),
    f("controllerId", "0+", "int32", { default: -1 }),
    f(
      "brokers",
      "0+",
      array([
        f("brokerId", "0+", "int32"),
        f("host", "0+", "string"),
        f("port", "0+", "int32"),
        f("rack", "0+", "string", { nullable: "0+" }),
      ]),
    ),
    f("clusterAuthorizedOperations", "0+", "int32", { default: OPERATIONS_NOT_PROVIDED }),
  ],
  async handle(ctx, req) {
    // Endpoint type 2 asks for controllers (KIP-919); this broker is its own controller.
    return {
      throttleTimeMs: 0,
      errorCode: KafkaError.NONE,
      errorMessage: null,
      endpointType: req.endpointType,
      clusterId: ctx.config.clusterId,
      controllerId: ctx.broker.nodeId,
      brokers: brokerList(ctx).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: null })),
      clusterAuthorizedOperations: OPERATIONS_NOT_PROVIDED,
    };
  },
  refuse: (_req, code) => ({ errorCode: code, errorMessage: null, clusterId: "", brokers: [] }),
};
