// The bodies of /v1/connectors as the zod schemas the routes parse with (readBody) and the
// OpenAPI document shows (schemas.ts): POST {name, config} and PUT …/config {…config}. A config
// is Kafka Connect's flat map; numbers and booleans are taken as their text. A bad name or
// setting is invalid_config with `error.field` naming it (the message starts with the field, as
// the connector's own config checks answer); a body that is not an object, or an unknown field
// of POST's, is bad_request.
import { z } from "@hono/zod-openapi";
import { BrokerError } from "../../core/errors.ts";
import type { ConnectorConfig } from "../../core/connect/types.ts";
import { connectorNameProblem } from "../../core/connect/types.ts";
import { coreChecked } from "../openapi/schemas.ts";

const MAX_KEYS = 100;
const MAX_VALUE_LENGTH = 16_384;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An invalid_config issue, its message as given (no path prefix), naming `field` if one. */
function invalidConfig(ctx: z.RefinementCtx, message: string, field?: string): void {
  ctx.addIssue({ code: "custom", message, params: { code: "invalid_config", whole: true, ...(field ? { extra: { field } } : {}) } });
}

/**
 * A config map (`where` names it in errors: "config" or "body"). The preprocess names the
 * setting that is wrong (a record's own issues would carry the path, not `error.field`); the
 * record it feeds is the documented shape, and turns numbers and booleans into their text.
 */
export function configIn(where: string) {
  return z.preprocess(
    (input, ctx) => {
      if (!isObject(input)) invalidConfig(ctx, `${where}: expected an object of settings (Kafka Connect's config map)`);
      else if (Object.keys(input).length > MAX_KEYS) invalidConfig(ctx, `${where}: at most ${MAX_KEYS} settings`);
      else {
        const key = Object.keys(input).find((k) => !["string", "number", "boolean"].includes(typeof input[k]));
        const long = Object.keys(input).find((k) => String(input[k]).length > MAX_VALUE_LENGTH);
        if (key !== undefined) invalidConfig(ctx, `${key}: expected a string, number or boolean`, key);
        else if (long !== undefined) invalidConfig(ctx, `${long}: at most ${MAX_VALUE_LENGTH} characters`, long);
      }
      return input;
    },
    z
      .record(z.string(), z.union([z.string().max(MAX_VALUE_LENGTH), z.number(), z.boolean()]))
      .transform((config): ConnectorConfig => Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)]))),
  );
}

const configDoc = { description: "Kafka Connect's flat map of settings; numbers and booleans are stored as text", maxProperties: MAX_KEYS };

/** PUT /v1/connectors/{name}/config: the config map itself. */
export const ConfigIn = configIn("body").openapi("ConnectorConfig", configDoc);

const ConnectorName = coreChecked((v) => {
  if (typeof v !== "string") throw new BrokerError("invalid_config", "name: required, a string", { field: "name" });
  const problem = connectorNameProblem(v);
  if (problem) throw new BrokerError("invalid_config", problem, { field: "name" });
  return v;
}).openapi({ type: "string", pattern: "^[a-zA-Z0-9._-]{1,200}$", example: "orders-to-billing" });

/** POST /v1/connectors: {"name": "...", "config": {...}}; parsed with the code bad_request. */
export const ConnectorCreate = z
  .strictObject(
    { name: ConnectorName, config: configIn("config").openapi(configDoc) },
    {
      error: (iss) =>
        iss.code === "unrecognized_keys"
          ? `${iss.keys[0]}: unknown field (expected name and config)`
          : 'the body must be an object {"name", "config"}',
    },
  )
  .openapi("ConnectorCreate");

/** A connector name from the path; refused as not found (it cannot exist). */
export function connectorParam(name: string): string {
  if (connectorNameProblem(name)) throw new BrokerError("connector_not_found", `connector "${name}" does not exist`);
  return name;
}
