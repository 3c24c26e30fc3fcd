// The bodies of /v1/connectors, parsed in one place (so the route validation can move onto a
// schema library without touching the routes): POST {name, config} and PUT …/config {…config}.
// A config is Kafka Connect's flat map; numbers and booleans are taken as their text.
import { BrokerError } from "../../core/errors.ts";
import type { ConnectorConfig } from "../../core/connect/types.ts";
import { connectorNameProblem } from "../../core/connect/types.ts";

const MAX_KEYS = 100;
const MAX_VALUE_LENGTH = 16_384;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A config object (`where` names it in errors: "config" or "body"). */
export function parseConfig(input: unknown, where: string): ConnectorConfig {
  if (!isObject(input)) throw new BrokerError("invalid_config", `${where}: expected an object of settings (Kafka Connect's config map)`);
  const keys = Object.keys(input);
  if (keys.length > MAX_KEYS) throw new BrokerError("invalid_config", `${where}: at most ${MAX_KEYS} settings`);
  const out: ConnectorConfig = {};
  for (const key of keys) {
    const v = input[key];
    if (typeof v === "number" || typeof v === "boolean") out[key] = String(v);
    else if (typeof v === "string") out[key] = v;
    else throw new BrokerError("invalid_config", `${key}: expected a string, number or boolean`, { field: key });
    if (out[key]!.length > MAX_VALUE_LENGTH)
      throw new BrokerError("invalid_config", `${key}: at most ${MAX_VALUE_LENGTH} characters`, { field: key });
  }
  return out;
}

/** POST /v1/connectors: {"name": "...", "config": {...}}. */
export function parseCreate(body: unknown): { name: string; config: ConnectorConfig } {
  if (!isObject(body)) throw new BrokerError("bad_request", 'the body must be an object {"name", "config"}');
  const name = body.name;
  if (typeof name !== "string") throw new BrokerError("invalid_config", "name: required, a string", { field: "name" });
  const problem = connectorNameProblem(name);
  if (problem) throw new BrokerError("invalid_config", problem, { field: "name" });
  for (const key of Object.keys(body)) {
    if (key !== "name" && key !== "config") throw new BrokerError("bad_request", `${key}: unknown field (expected name and config)`);
  }
  return { name, config: parseConfig(body.config, "config") };
}

/** A connector name from the path; refused as not found (it cannot exist). */
export function connectorParam(name: string): string {
  if (connectorNameProblem(name)) throw new BrokerError("connector_not_found", `connector "${name}" does not exist`);
  return name;
}
