// OffsetFetch (key 9), v0-v9, flexible from v6; v8+ (KIP-709) asks for many groups at once, and
// `topics: null` (v2+) means every partition the group has an offset for. The committed offsets
// are the group object's (HTTP and Kafka members share them). An offset committed for an earlier
// incarnation of a topic (deleted and recreated since) is not returned: -1, as if none.
import type { CommittedOffset } from "../../core/groups/types.ts";
import type { KafkaApi, RequestContext } from "../api.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { groupRefusal, topicInfo } from "./access.ts";
import { GroupError } from "./errors.ts";

interface PartitionOut {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

type TopicsIn = Array<{ name: string; partitionIndexes: number[] }> | null;

const none = (partitionIndex: number, errorCode: number = GroupError.NONE): PartitionOut => ({
  partitionIndex,
  committedOffset: -1,
  committedLeaderEpoch: -1,
  metadata: "",
  errorCode,
});

async function fetchGroup(
  ctx: RequestContext,
  group: string,
  topics: TopicsIn,
): Promise<{ errorCode: number; topics: Array<{ name: string; partitions: PartitionOut[] }> }> {
  const refused = groupRefusal(ctx, group);
  if (refused !== undefined) {
    return {
      errorCode: refused,
      topics: (topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => none(p, refused)) })),
    };
  }
  const { offsets } = await ctx.deps.group(group).kafkaOffsets(group);
  const byTopic = new Map<string, Map<number, CommittedOffset>>();
  for (const o of offsets) {
    const m = byTopic.get(o.topic) ?? new Map<number, CommittedOffset>();
    m.set(o.partition, o);
    byTopic.set(o.topic, m);
  }
  const wanted =
    topics ??
    [...byTopic]
      .filter(([name]) => ctx.allowed("consume", `topic:${name}`))
      .map(([name, m]) => ({ name, partitionIndexes: [...m.keys()].sort((a, b) => a - b) }));
  const out: Array<{ name: string; partitions: PartitionOut[] }> = [];
  for (const t of wanted) {
    if (!ctx.allowed("consume", `topic:${t.name}`)) {
      out.push({ name: t.name, partitions: t.partitionIndexes.map((p) => none(p, GroupError.TOPIC_AUTHORIZATION_FAILED)) });
      continue;
    }
    const committed = byTopic.get(t.name);
    const info = committed ? await topicInfo(ctx, t.name) : undefined;
    const partitions = t.partitionIndexes.map((p) => {
      const c = committed?.get(p);
      if (!c || !info || info.epoch !== c.topic_epoch) return none(p);
      return {
        partitionIndex: p,
        committedOffset: c.offset,
        committedLeaderEpoch: -1,
        metadata: c.metadata ?? "",
        errorCode: GroupError.NONE,
      };
    });
    // Every partition of a listing (topics: null) whose offset is stale is left out.
    out.push({ name: t.name, partitions: topics === null ? partitions.filter((p) => p.committedOffset >= 0) : partitions });
  }
  return { errorCode: GroupError.NONE, topics: topics === null ? out.filter((t) => t.partitions.length > 0) : out };
}

const partitionFields = (v: string) => [
  f("partitionIndex", v, "int32"),
  f("committedOffset", v, "int64"),
  f("committedLeaderEpoch", v === "0-7" ? "5-7" : v, "int32", { default: -1 }),
  f("metadata", v, "string", { nullable: v }),
  f("errorCode", v, "int16"),
];

export const offsetFetchApi: KafkaApi = {
  apiKey: 9,
  name: "OffsetFetch",
  minVersion: 0,
  maxVersion: 9,
  flexibleFrom: 6,
  request: [
    f("groupId", "0-7", "string"),
    f("topics", "0-7", array([f("name", "0-7", "string"), f("partitionIndexes", "0-7", array("int32"))]), { nullable: "2-7" }),
    f(
      "groups",
      "8+",
      array([
        f("groupId", "8+", "string"),
        f("memberId", "9+", "string", { nullable: "9+" }),
        f("memberEpoch", "9+", "int32", { default: -1 }),
        f("topics", "8+", array([f("name", "8+", "string"), f("partitionIndexes", "8+", array("int32"))]), { nullable: "8+" }),
      ]),
    ),
    f("requireStable", "7+", "bool"),
  ],
  response: [
    f("throttleTimeMs", "3+", "int32"),
    f("topics", "0-7", array([f("name", "0-7", "string"), f("partitions", "0-7", array(partitionFields("0-7")))])),
    f("errorCode", "2-7", "int16"),
    f(
      "groups",
      "8+",
      array([
        f("groupId", "8+", "string"),
        f("topics", "8+", array([f("name", "8+", "string"), f("partitions", "8+", array(partitionFields("8+")))])),
        f("errorCode", "8+", "int16"),
      ]),
    ),
  ],
  async handle(ctx, req, version) {
    if (version >= 8) {
      const groups = await Promise.all(
        (req.groups as Array<{ groupId: string; topics: TopicsIn }>).map(async (g) => ({
          groupId: g.groupId,
          ...(await fetchGroup(ctx, g.groupId, g.topics)),
        })),
      );
      return { throttleTimeMs: 0, groups };
    }
    // v0/v1 have no "all topics" (null) form and no top-level error: it goes into every partition.
    const r = await fetchGroup(ctx, req.groupId, version >= 2 ? req.topics : (req.topics ?? []));
    return { throttleTimeMs: 0, errorCode: r.errorCode, topics: r.topics };
  },
  refuse: (req: Msg, code: number) => ({
    throttleTimeMs: 0,
    errorCode: code,
    topics: [],
    groups: ((req.groups as Array<{ groupId: string }> | undefined) ?? []).map((g) => ({
      groupId: g.groupId,
      topics: [],
      errorCode: code,
    })),
  }),
};
