// Who is calling, and what they may do. The authentication middleware records the principal for
// each request; routes ask `requireGrant` before doing any work. A refusal never says whether the
// resource exists: the check runs on the name alone, before any lookup.
import type { Context } from "hono";
import { BrokerError } from "../../core/errors.ts";
import { allows, seesResource, type Grant, type Operation } from "../../core/keys/grants.ts";
import { contextSlot } from "../context-slot.ts";

export type Principal =
  | { kind: "admin" }
  | { kind: "key"; id: string; name: string; grants: Grant[] }
  // A request without credentials on /ds, allowed by EDGEBROKER_ANONYMOUS_GRANTS.
  | { kind: "anonymous"; name: "anonymous"; grants: Grant[] };

// Kept on the request's Context (context-slot.ts), not on `c.req.raw`: middleware may replace the raw Request
// (bodyLimit wraps any body without a Content-Length, e.g. a DELETE on Node and Deno, whose
// Requests carry an empty body stream), which would lose the principal on the way to the route.
const principals = contextSlot<Principal>("principal");
const charges = contextSlot<number>("charge");

export function setPrincipal(c: Context, principal: Principal): void {
  principals.set(c, principal);
}

export function principalOf(c: Context): Principal {
  const p = principals.get(c);
  if (!p) throw new BrokerError("unauthorized", "the request is not authenticated");
  return p;
}

/** Throws 403 unless the caller may perform one of `operations` on `resource`. */
export function requireGrant(c: Context, operations: Operation | Operation[], resource: string): void {
  const p = principalOf(c);
  if (p.kind === "admin") return;
  const ops = Array.isArray(operations) ? operations : [operations];
  if (ops.some((op) => allows(p.grants, op, resource))) return;
  throw new BrokerError("forbidden", `key "${p.name}" may not ${ops.join(" or ")} ${resource}`);
}

/** Throws 403 unless the caller holds `operation` on something (e.g. producer ids for producers). */
export function requireOperation(c: Context, operation: Operation): void {
  const p = principalOf(c);
  if (p.kind === "admin" || p.grants.some((g) => g.operation === operation || g.operation === "admin")) return;
  throw new BrokerError("forbidden", `key "${p.name}" has no ${operation} grant`);
}

export function canSee(c: Context, resource: string): boolean {
  const p = principalOf(c);
  return p.kind === "admin" || seesResource(p.grants, resource);
}

/** Bytes a fetch served, charged to the key's byte-rate quota after the answer. */
export function recordCharge(c: Context, bytes: number): void {
  charges.set(c, (charges.get(c) ?? 0) + bytes);
}

export function chargeOf(c: Context): number {
  return charges.get(c) ?? 0;
}
