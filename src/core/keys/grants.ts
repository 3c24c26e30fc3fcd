// What an API key may do: a list of grants, each an operation on a resource (docs/security.md,
// Grants). Resources name a topic, a group or a transactional id (docs/transactions.md), exactly or by prefix (`topic:telemetry.*`);
// `*` is everything. `admin` on a resource includes every other operation on it.
import { BrokerError } from "../errors.ts";

export const OPERATIONS = ["produce", "consume", "admin"] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface Grant {
  operation: Operation;
  resource: string;
}

const RESOURCE = /^(topic|group|transactional_id):[a-zA-Z0-9._-]*\*?$/;
/** GET /metrics: `{"operation": "consume", "resource": "metrics"}` (docs/monitoring.md). */
export const METRICS_RESOURCE = "metrics";
const MAX_GRANTS = 100;

export function validateGrants(input: unknown): Grant[] {
  if (!Array.isArray(input) || input.length === 0)
    throw new BrokerError("invalid_grant", "grants: expected a non-empty array of {operation, resource}");
  if (input.length > MAX_GRANTS) throw new BrokerError("invalid_grant", `grants: at most ${MAX_GRANTS} grants per key`);
  return input.map((g, i) => {
    const where = `grants[${i}]`;
    if (!g || typeof g !== "object" || Array.isArray(g)) throw new BrokerError("invalid_grant", `${where}: expected {operation, resource}`);
    const { operation, resource, ...rest } = g as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra) throw new BrokerError("invalid_grant", `${where}.${extra}: unknown field (expected operation, resource)`);
    if (!OPERATIONS.includes(operation as Operation)) {
      throw new BrokerError(
        "invalid_grant",
        `${where}.operation: expected one of ${OPERATIONS.join(", ")}, got ${JSON.stringify(operation)}`,
      );
    }
    if (
      typeof resource !== "string" ||
      (resource !== "*" && resource !== METRICS_RESOURCE && !RESOURCE.test(resource)) ||
      resource.length > 260
    ) {
      throw new BrokerError(
        "invalid_grant",
        `${where}.resource: expected "topic:<name or prefix*>", "group:<name or prefix*>", "transactional_id:<name or prefix*>", "metrics" or "*", got ${JSON.stringify(resource)}`,
      );
    }
    return { operation: operation as Operation, resource };
  });
}

function covers(pattern: string, resource: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith("*")) return resource.startsWith(pattern.slice(0, -1));
  return pattern === resource;
}

/** Whether `grants` allow `operation` on `resource` ("topic:orders", "group:billing", or "*" for cluster-wide). */
export function allows(grants: Grant[], operation: Operation, resource: string): boolean {
  return grants.some((g) => (g.operation === operation || g.operation === "admin") && covers(g.resource, resource));
}

/** Whether any grant mentions `resource` (used to filter what a key sees in lists). */
export function seesResource(grants: Grant[], resource: string): boolean {
  return grants.some((g) => covers(g.resource, resource));
}
