// DescribeConfigs (key 32, v0-v4, flexible v4+), AlterConfigs (key 33, v0-v2, flexible v2+) and
// IncrementalAlterConfigs (key 44, v0-v1, flexible v1+, KIP-339) over the topic configs the HTTP
// API serves (src/core/topic-config.ts: retention.ms, retention.bytes, cleanup.policy,
// delete.retention.ms, max.message.bytes). Kafka sends every value as a string; integer configs
// are parsed here and validated by the core's rules. A change is stored by the cluster object and
// pushed to each partition, as PATCH /v1/topics/{topic} does.
// Topics are resource type 2; the broker (type 4) describes as no configs and is not alterable.
// AlterConfigs replaces a topic's whole config set, so configs it leaves out return to their
// defaults; IncrementalAlterConfigs SET and DELETE one config at a time (APPEND/SUBTRACT apply to
// list configs only, of which cleanup.policy is the one here).
import { BrokerError } from "../../core/errors.ts";
import { TOPIC_CONFIGS, validateConfig, type TopicConfig } from "../../core/topics/config.ts";
import type { TopicInfo } from "../../core/topics/registry.ts";
import type { KafkaApi, RequestContext } from "../api.ts";
import { KafkaError, kafkaCodeFor } from "../error-codes.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { notAuthorized } from "./topic-access.ts";

const TOPIC = 2;
const BROKER = 4;
// ConfigSource (DescribeConfigsResponse): 1 = DYNAMIC_TOPIC_CONFIG, 5 = DEFAULT_CONFIG.
const DYNAMIC_TOPIC_CONFIG = 1;
const DEFAULT_CONFIG = 5;
// ConfigType (KIP-569): 1 = BOOLEAN, 2 = STRING, 4 = LONG, 7 = LIST.
const typeOf = (name: string) =>
  name === "cleanup.policy" ? 7 : name === "remote.storage.enable" ? 1 : typeof TOPIC_CONFIGS[name]?.default === "number" ? 4 : 2;

export function configFromStrings(
  entries: Array<{ name: string; value: string | null }>,
): { ok: true; value: TopicConfig } | { ok: false; message: string } {
  const raw: Record<string, unknown> = {};
  for (const { name, value } of entries) {
    const rule = TOPIC_CONFIGS[name];
    if (!rule) return { ok: false, message: `unknown config ${name} (known: ${Object.keys(TOPIC_CONFIGS).join(", ")})` };
    raw[name] =
      value === null ? rule.default : typeof rule.default === "number" && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  }
  try {
    return { ok: true, value: validateConfig(raw) };
  } catch (err) {
    if (err instanceof BrokerError) return { ok: false, message: err.message };
    throw err;
  }
}

export function describeTopicConfigs(
  config: TopicConfig,
  keys?: string[] | null,
): Array<{ name: string; value: string; configSource: number }> {
  return Object.entries(TOPIC_CONFIGS)
    .filter(([name]) => !keys || keys.includes(name))
    .map(([name, rule]) => ({
      name,
      value: String(config[name] ?? rule.default),
      configSource: config[name] !== undefined ? DYNAMIC_TOPIC_CONFIG : DEFAULT_CONFIG,
    }));
}

interface Resource {
  resourceType: number;
  resourceName: string;
  configurationKeys: string[] | null;
}

/** What every entry of the three APIs' answers opens with: how it went, and for which resource. */
const resultFields = [
  f("errorCode", "0+", "int16"),
  f("errorMessage", "0+", "string", { nullable: "0+" }),
  f("resourceType", "0+", "int8"),
  f("resourceName", "0+", "string"),
];

const result = (r: { resourceType: number; resourceName: string }, errorCode: number, errorMessage: string | null) => ({
  errorCode,
  errorMessage,
  resourceType: r.resourceType,
  resourceName: r.resourceName,
});

export const describeConfigsApi: KafkaApi = {
  apiKey: 32,
  name: "DescribeConfigs",
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 4,
  request: [
    f(
      "resources",
      "0+",
      array([
        f("resourceType", "0+", "int8"),
        f("resourceName", "0+", "string"),
        f("configurationKeys", "0+", array("string"), { nullable: "0+" }),
      ]),
    ),
    f("includeSynonyms", "1+", "bool"),
    f("includeDocumentation", "3+", "bool"),
  ],
  response: [
    f("throttleTimeMs", "0+", "int32"),
    f(
      "results",
      "0+",
      array([
        ...resultFields,
        f(
          "configs",
          "0+",
          array([
            f("name", "0+", "string"),
            f("value", "0+", "string", { nullable: "0+" }),
            f("readOnly", "0+", "bool"),
            f("isDefault", "0", "bool"),
            f("configSource", "1+", "int8", { default: -1 }),
            f("isSensitive", "0+", "bool"),
            f(
              "synonyms",
              "1+",
              array([f("name", "1+", "string"), f("value", "1+", "string", { nullable: "0+" }), f("source", "1+", "int8")]),
            ),
            f("configType", "3+", "int8"),
            f("documentation", "3+", "string", { nullable: "0+" }),
          ]),
        ),
      ]),
    ),
  ],
  async handle(ctx, req) {
    const results = await Promise.all(
      (req.resources as Resource[]).map(async (r): Promise<Msg> => {
        const answer = (errorCode: number, errorMessage: string | null, configs: Msg[] = []) => ({
          ...result(r, errorCode, errorMessage),
          configs,
        });
        if (r.resourceType === BROKER) return answer(KafkaError.NONE, null);
        if (r.resourceType !== TOPIC)
          return answer(KafkaError.INVALID_REQUEST, `resource type ${r.resourceType} is not served (topics: 2, broker: 4)`);
        if (!ctx.allowed("produce", `topic:${r.resourceName}`) && !ctx.allowed("consume", `topic:${r.resourceName}`)) {
          return answer(KafkaError.TOPIC_AUTHORIZATION_FAILED, notAuthorized(ctx, `describe topic ${r.resourceName}`));
        }
        const found = await ctx.deps.cluster().describeTopic(r.resourceName);
        if (!found.ok) return answer(kafkaCodeFor(found.error.code), found.error.message);
        return answer(
          KafkaError.NONE,
          null,
          describeTopicConfigs(found.topic.config, r.configurationKeys).map((c) => ({
            name: c.name,
            value: c.value,
            readOnly: false,
            isDefault: c.configSource === DEFAULT_CONFIG,
            configSource: c.configSource,
            isSensitive: false,
            synonyms: [],
            configType: typeOf(c.name),
            documentation: null,
          })),
        );
      }),
    );
    return { throttleTimeMs: 0, results };
  },
  refuse: (req, code) => ({
    results: (req.resources as Resource[]).map((r) => ({ ...result(r, code, null), configs: [] })),
  }),
};

/** Stores `config` as the topic's changes (merged), then tells each partition, as PATCH does. */
async function applyConfig(
  ctx: RequestContext,
  name: string,
  changes: TopicConfig,
): Promise<{ ok: true; topic: TopicInfo } | { ok: false; code: number; message: string }> {
  const result = await ctx.deps.cluster().updateTopicConfig(name, changes);
  if (!result.ok) return { ok: false, code: kafkaCodeFor(result.error.code), message: result.error.message };
  const topic = result.topic;
  ctx.config.topics.put(topic);
  await Promise.allSettled(
    Array.from({ length: topic.partitions }, (_, partition) =>
      ctx.deps
        .partition(topic.name, partition)
        .configure({ topic: topic.name, partition, epoch: topic.epoch }, topic.config, topic.config_revision),
    ),
  );
  return { ok: true, topic };
}

interface Alterable {
  name: string;
  value: string | null;
  configOperation?: number;
}
interface AlterResource {
  resourceType: number;
  resourceName: string;
  configs: Alterable[];
}

const alterResponse = [f("throttleTimeMs", "0+", "int32"), f("responses", "0+", array(resultFields))];

function alterApi(incremental: boolean): KafkaApi {
  const configFields = [
    f("name", "0+", "string"),
    ...(incremental ? [f("configOperation", "0+", "int8")] : []),
    f("value", "0+", "string", { nullable: "0+" }),
  ];
  return {
    apiKey: incremental ? 44 : 33,
    name: incremental ? "IncrementalAlterConfigs" : "AlterConfigs",
    minVersion: 0,
    maxVersion: incremental ? 1 : 2,
    flexibleFrom: incremental ? 1 : 2,
    request: [
      f(
        "resources",
        "0+",
        array([f("resourceType", "0+", "int8"), f("resourceName", "0+", "string"), f("configs", "0+", array(configFields))]),
      ),
      f("validateOnly", "0+", "bool"),
    ],
    response: alterResponse,
    async handle(ctx, req) {
      const responses: Msg[] = [];
      for (const r of req.resources as AlterResource[]) {
        const answer = (errorCode: number, errorMessage: string | null) => responses.push(result(r, errorCode, errorMessage));
        if (r.resourceType !== TOPIC) {
          answer(
            KafkaError.INVALID_REQUEST,
            r.resourceType === BROKER
              ? "broker configs are set by the host's configuration, not over Kafka"
              : `resource type ${r.resourceType} is not served`,
          );
          continue;
        }
        if (!ctx.allowed("admin", `topic:${r.resourceName}`)) {
          answer(KafkaError.TOPIC_AUTHORIZATION_FAILED, notAuthorized(ctx, `alter configs of topic ${r.resourceName}`));
          continue;
        }
        const entries: Array<{ name: string; value: string | null }> = [];
        let bad: string | undefined;
        if (incremental) {
          const found = await ctx.deps.cluster().describeTopic(r.resourceName);
          if (!found.ok) {
            answer(kafkaCodeFor(found.error.code), found.error.message);
            continue;
          }
          for (const c of r.configs) {
            const op = c.configOperation ?? 0;
            if (op === 0) entries.push({ name: c.name, value: c.value });
            else if (op === 1) entries.push({ name: c.name, value: null });
            else if ((op === 2 || op === 3) && c.name === "cleanup.policy") {
              const now = new Set(String(found.topic.config[c.name] ?? TOPIC_CONFIGS[c.name]!.default).split(","));
              for (const v of (c.value ?? "").split(",").filter(Boolean)) op === 2 ? now.add(v) : now.delete(v);
              entries.push({ name: c.name, value: [...now].sort().join(",") || null });
            } else bad = `operation ${op} on ${c.name}: APPEND (2) and SUBTRACT (3) apply to list configs (cleanup.policy)`;
          }
        } else {
          // AlterConfigs sets the whole set: every config not named returns to its default.
          const named = new Set(r.configs.map((c) => c.name));
          entries.push(...r.configs.map((c) => ({ name: c.name, value: c.value })));
          for (const name of Object.keys(TOPIC_CONFIGS)) if (!named.has(name)) entries.push({ name, value: null });
        }
        const config = bad ? { ok: false as const, message: bad } : configFromStrings(entries);
        if (!config.ok) {
          answer(KafkaError.INVALID_CONFIG, config.message);
          continue;
        }
        if (req.validateOnly) {
          answer(KafkaError.NONE, null);
          continue;
        }
        const applied = await applyConfig(ctx, r.resourceName, config.value);
        answer(applied.ok ? KafkaError.NONE : applied.code, applied.ok ? null : applied.message);
      }
      return { throttleTimeMs: 0, responses };
    },
    refuse: (req, code) => ({
      responses: (req.resources as AlterResource[]).map((r) => result(r, code, null)),
    }),
  };
}

export const alterConfigsApi = alterApi(false);
export const incrementalAlterConfigsApi = alterApi(true);
