// The Worker's settings: its vars and secrets read once per isolate through the one parser every
// host uses (src/http/config.ts). The entry builds the HTTP app's dependencies from it and the
// Durable Object classes their options, so a value means the same in both.
import { bindingsGetter, brokerConfigOrError, objectOptions, type BrokerConfig, type ObjectOptions } from "../http/config.ts";
import type { Env } from "./env.ts";

let cached: { config: BrokerConfig; error?: string; options: ObjectOptions } | undefined;

/** A malformed value cannot stop a Worker from starting: `error` is what every request answers instead. */
export function workerConfig(env: Env): { config: BrokerConfig; error?: string; options: ObjectOptions } {
  if (!cached) {
    const { config, error } = brokerConfigOrError(bindingsGetter(env));
    cached = { config, error, options: objectOptions(config) };
  }
  return cached;
}
