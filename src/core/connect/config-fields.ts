// Reading a connector's flat config (Kafka Connect's string map) into typed fields, each refusal
// naming its key, so `POST /v1/connectors` answers 400 with what to fix before anything runs.
import type { ConnectorConfig } from "./types.ts";

export class ConfigProblem extends Error {}

/** What every secret field shows in GET answers (Kafka Connect hides them behind config providers; here they are simply never echoed). */
export const REDACTED = "[redacted]";

export class Fields {
  private readonly config: ConnectorConfig;
  /** Every key a parser read: anything else in the config is refused as unknown. */
  readonly known = new Set<string>(["connector.class", "tasks.max", "name"]);

  constructor(config: ConnectorConfig) {
    this.config = config;
  }

  private raw(key: string): string | undefined {
    this.known.add(key);
    const v = this.config[key];
    return v === undefined || v === "" ? undefined : v;
  }

  str(key: string): string | undefined {
    return this.raw(key);
  }

  /** A string where "" is a value of its own (a signature prefix may be empty). */
  text(key: string): string | undefined {
    this.known.add(key);
    return this.config[key];
  }

  required(key: string, what: string): string {
    const v = this.raw(key);
    if (v === undefined) throw new ConfigProblem(`${key}: required (${what})`);
    return v;
  }

  int(key: string, fallback: number, min: number, max: number): number {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    const n = /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new ConfigProblem(`${key}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return n;
  }

  oneOf<T extends string>(key: string, values: readonly T[], fallback: T): T {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (!(values as readonly string[]).includes(v))
      throw new ConfigProblem(`${key}: expected one of ${values.join(", ")}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  /** Topic names, comma-separated (Kafka Connect's `topics`). */
  topics(key: string, problem: (name: string) => string | undefined): string[] {
    const list = this.required(key, "comma-separated topic names")
      .split(",")
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
    if (list.length === 0) throw new ConfigProblem(`${key}: name at least one topic`);
    for (const t of list) {
      const p = problem(t);
      if (p) throw new ConfigProblem(`${key}: ${p}`);
    }
    return [...new Set(list)];
  }

  /** Refuses keys no parser read (a typo would otherwise be silently ignored). */
  rejectUnknown(): void {
    for (const key of Object.keys(this.config)) {
      if (!this.known.has(key)) throw new ConfigProblem(`${key}: unknown setting for this connector.class`);
    }
  }
}

/** The config with every secret key's value replaced by REDACTED. */
export function redact(config: ConnectorConfig, secrets: readonly string[]): ConnectorConfig {
  const out: ConnectorConfig = {};
  for (const [k, v] of Object.entries(config)) out[k] = secrets.includes(k) && v !== "" ? REDACTED : v;
  return out;
}

/** PUT …/config may send a secret back as REDACTED (copied from a GET): the stored value stays. */
export function keepSecrets(next: ConnectorConfig, previous: ConnectorConfig | undefined, secrets: readonly string[]): ConnectorConfig {
  const out = { ...next };
  for (const k of secrets) if (out[k] === REDACTED && previous?.[k] !== undefined) out[k] = previous[k]!;
  return out;
}
