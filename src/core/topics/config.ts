// Topic names and configs follow Kafka's rules (Topic.validate and the TopicConfig keys), so a
// topic created here can be mirrored to or from a Kafka cluster without renaming.
import { BrokerError } from "../errors.ts";

export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

export function validateTopicName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0) {
    throw new BrokerError("invalid_topic_name", "name: a topic name is a non-empty string");
  }
  if (name === "." || name === "..") {
    throw new BrokerError("invalid_topic_name", `name: "${name}" is not allowed as a topic name`);
  }
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    throw new BrokerError("invalid_topic_name", `name: a topic name is at most ${MAX_TOPIC_NAME_LENGTH} characters (got ${name.length})`);
  }
  if (!LEGAL_TOPIC_NAME.test(name)) {
    throw new BrokerError("invalid_topic_name", `name: "${name}" may only contain ASCII letters, digits, '.', '_' and '-'`);
  }
  return name;
}

export type TopicConfig = Record<string, string | number>;

type ConfigRule = { default: string | number; check(value: unknown): string | number | undefined; describe: string };

const integerAtLeast =
  (min: number): ConfigRule["check"] =>
  (v) =>
    typeof v === "number" && Number.isSafeInteger(v) && v >= min ? v : undefined;

/** The configs a topic accepts. Retention and cleanup are stored now and enforced by the log lifecycle work. */
export const TOPIC_CONFIGS: Record<string, ConfigRule> = {
  "retention.ms": { default: 604_800_000, check: integerAtLeast(-1), describe: "an integer >= -1 (-1 keeps forever)" },
  "retention.bytes": { default: -1, check: integerAtLeast(-1), describe: "an integer >= -1 (-1 means no size limit)" },
  "cleanup.policy": {
    default: "delete",
    check: (v) => (v === "delete" || v === "compact" || v === "compact,delete" || v === "delete,compact" ? v : undefined),
    describe: `one of "delete", "compact", "compact,delete"`,
  },
  "delete.retention.ms": { default: 86_400_000, check: integerAtLeast(0), describe: "an integer >= 0" },
  // The largest record batch a produce may append, as Kafka defines it (enforced by PartitionLog.append).
  "max.message.bytes": { default: 1_048_576, check: integerAtLeast(1), describe: "an integer >= 1" },
  // KIP-937: how far a record's CreateTime may lie before / after the broker's clock. Kafka's
  // defaults are Long.MAX_VALUE (no bound; KIP-1030 lowers after.max.ms to 1 hour in Kafka 4.0).
  // Values are JavaScript numbers here, so "no bound" is 2^53 - 1, the largest timestamp a batch
  // may carry at all (docs/configuration.md).
  "message.timestamp.before.max.ms": { default: Number.MAX_SAFE_INTEGER, check: integerAtLeast(0), describe: "an integer >= 0 (ms)" },
  "message.timestamp.after.max.ms": { default: Number.MAX_SAFE_INTEGER, check: integerAtLeast(0), describe: "an integer >= 0 (ms)" },
  // Tiered storage (KIP-405; docs/tiered-storage.md): old segments move to the broker's object
  // store; the partition keeps what is within local.retention.* (-2: the same as retention.*).
  "remote.storage.enable": {
    default: "false",
    check: (v) => (v === true || v === "true" ? "true" : v === false || v === "false" ? "false" : undefined),
    describe: "true or false",
  },
  "local.retention.ms": { default: -2, check: integerAtLeast(-2), describe: "an integer >= -2 (-2: retention.ms, -1: no limit)" },
  "local.retention.bytes": { default: -2, check: integerAtLeast(-2), describe: "an integer >= -2 (-2: retention.bytes, -1: no limit)" },
};

/** Validates a (partial) config object; unknown keys and bad values name the offending field. */
export function validateConfig(config: unknown): TopicConfig {
  if (config === undefined || config === null) return {};
  if (typeof config !== "object" || Array.isArray(config)) {
    throw new BrokerError("invalid_config", "config: expected an object of config names to values");
  }
  const out: TopicConfig = {};
  for (const [key, value] of Object.entries(config)) {
    // Own properties only: a key such as "__proto__" or "constructor" must not find
    // Object.prototype's members (that was a 500), and must never be assigned to `out`.
    const rule = Object.hasOwn(TOPIC_CONFIGS, key) ? TOPIC_CONFIGS[key] : undefined;
    if (!rule) {
      throw new BrokerError("invalid_config", `config.${key}: unknown config (known: ${Object.keys(TOPIC_CONFIGS).join(", ")})`);
    }
    const checked = rule.check(value);
    if (checked === undefined) {
      throw new BrokerError("invalid_config", `config.${key}: expected ${rule.describe}, got ${JSON.stringify(value)}`);
    }
    out[key] = checked;
  }
  return out;
}

/** Every known config with its effective value: the defaults overlaid with what the topic set. */
export function effectiveConfig(config: TopicConfig): TopicConfig {
  const out: TopicConfig = {};
  for (const [key, rule] of Object.entries(TOPIC_CONFIGS))
    out[key] = (Object.hasOwn(config, key) ? config[key] : undefined) ?? rule.default;
  return out;
}
