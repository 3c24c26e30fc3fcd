// OffsetDelete (key 47), v0 (KIP-496): removes a group's committed offsets for some partitions.
// Refused for topics the group's members consume (GROUP_SUBSCRIBED_TO_TOPIC), as in Kafka; needs
// `admin` on the group, as the HTTP offsets reset does.
import type { KafkaApi } from "../api.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { groupRefusal } from "./access.ts";
import { codeOf, GroupError } from "./errors.ts";

interface TopicIn {
  name: string;
  partitions: Array<{ partitionIndex: number }>;
}

const result = (req: Msg, errorCode: number, code: (topic: string, partition: number) => number): Msg => ({
  errorCode,
  throttleTimeMs: 0,
  topics: ((req.topics as TopicIn[] | undefined) ?? []).map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code(t.name, p.partitionIndex) })),
  })),
});

export const offsetDeleteApi: KafkaApi = {
  apiKey: 47,
  name: "OffsetDelete",
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: Infinity,
  request: [
    f("groupId", "0+", "string"),
    f("topics", "0+", array([f("name", "0+", "string"), f("partitions", "0+", array([f("partitionIndex", "0+", "int32")]))])),
  ],
  response: [
    f("errorCode", "0+", "int16"),
    f("throttleTimeMs", "0+", "int32"),
    f(
      "topics",
      "0+",
      array([f("name", "0+", "string"), f("partitions", "0+", array([f("partitionIndex", "0+", "int32"), f("errorCode", "0+", "int16")]))]),
    ),
  ],
  async handle(ctx, req) {
    const group: string = req.groupId;
    const refused = groupRefusal(ctx, group, "admin");
    if (refused !== undefined) return { errorCode: refused, throttleTimeMs: 0, topics: [] };
    const wanted = (req.topics as TopicIn[]).flatMap((t) =>
      ctx.allowed("consume", `topic:${t.name}`) ? t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })) : [],
    );
    const r = await ctx.deps.group(group).kafkaDeleteOffsets(group, wanted);
    if (r.error) return { errorCode: codeOf(r.error), throttleTimeMs: 0, topics: [] };
    const codes = new Map(r.partitions.map((p) => [`${p.topic}\u0000${p.partition}`, codeOf(p.error)]));
    return result(req, GroupError.NONE, (t, p) => codes.get(`${t}\u0000${p}`) ?? GroupError.TOPIC_AUTHORIZATION_FAILED);
  },
  refuse: (req: Msg, code: number) => result(req, code, () => code),
};
