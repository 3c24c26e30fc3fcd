// Everything /v1 does before a route, as one middleware: the configuration check, authentication
// (authenticate.ts), the fetch-bytes charge (chargeFetches), the byte meter for undeclared bodies
// (body-meter.ts) and the body size limit (body-limit.ts). Registered one by one they were five
// layers of Hono's dispatch, each an async function awaiting the next: a single-record produce
// paid for ten promises before its route ran (issue #20). Chained here by hand they behave as
// before — a refusal of any of them is thrown to the app's onError; a route's own error never
// reaches them, Hono's dispatch of the route answers it.
//
// The admin token takes a shorter way still: when the header is exactly what bearerAuth accepts
// (`Bearer <token>`, the token of its token syntax) and the token is the admin's, the principal is
// set without bearerAuth's promises, and the charge and meter are skipped, as they do nothing for
// the admin (no key to charge, never metered). Any other header goes through bearerAuth, which
// answers every malformed, unknown or key token as it always has.
import type { MiddlewareHandler, Next } from "hono";
import { BrokerError } from "../core/errors.ts";
import { authenticate, chargeFetches } from "./auth/authenticate.ts";
import { setPrincipal } from "./auth/principal.ts";
import { tokenChecker } from "./auth/token-checker.ts";
import { limitBodies } from "./body-limit.ts";
import { meterBodies } from "./body-meter.ts";
import type { AppDeps } from "./deps.ts";

/** hono/bearer-auth's token syntax (RFC 6750 b64token): a token it would refuse is never taken here. */
const TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;
const ADMIN = { kind: "admin" } as const;

export function v1Gate(deps: AppDeps): MiddlewareHandler {
  const auth = authenticate(deps);
  const charge = chargeFetches(deps);
  const meter = meterBodies(deps);
  const limit = limitBodies(deps);
  const isAdmin = tokenChecker(deps.adminToken ?? "");
  return (c, next) => {
    if (!deps.adminToken) {
      throw new BrokerError("not_configured", "this broker has no EDGEBROKER_ADMIN_TOKEN configured; no request can be authorized");
    }
    const header = c.req.header("authorization");
    if (header !== undefined && header.startsWith("Bearer ")) {
      const token = header.slice(7);
      if (TOKEN.test(token) && isAdmin(token)) {
        setPrincipal(c, ADMIN);
        return limit(c, next);
      }
    }
    // Each layer's `next` is the next one; what a layer returns (a refusal's Response) goes up as
    // Hono's dispatch would take it, so the casts only restate Next's declared `Promise<void>`.
    const limited = (() => limit(c, next)) as Next;
    const metered = (() => meter(c, limited)) as Next;
    return auth(c, (() => charge(c, metered)) as Next);
  };
}
