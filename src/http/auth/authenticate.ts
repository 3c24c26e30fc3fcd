// Bearer authentication for /v1: the admin token from configuration, or an API key
// (`ebk_<key id>_<secret>`) checked by the key's own object, which also charges the request to
// the key's quotas. A quota refusal is 429 with Retry-After.
import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { BrokerError } from "../../core/errors.ts";
import { tokenChecker } from "./token-checker.ts";
import { markMetered } from "../body-meter.ts";
import type { AppDeps } from "../deps.ts";
import { contextSlot } from "../context-slot.ts";
import { chargeOf, principalOf, setPrincipal } from "./principal.ts";

const KEY_TOKEN = /^ebk_([0-9a-f]{16})_([A-Za-z0-9_-]{32})$/;

export function parseKeyToken(token: string): { id: string; secret: string } | undefined {
  const m = KEY_TOKEN.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

// The key secret each request authenticated with, kept (in memory, per request) only so that a
// stream outliving its request can ask the key's object again (src/http/auth/credential-watch.ts).
const secrets = contextSlot<string>("secret");

export function secretOf(c: Context): string | undefined {
  return secrets.get(c);
}

function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

export function authenticate(deps: AppDeps): MiddlewareHandler {
  const isAdmin = tokenChecker(deps.adminToken ?? "");
  const ADMIN = { kind: "admin" } as const;
  const verifyKey = async (token: string, c: Context): Promise<boolean> => {
    const parsed = parseKeyToken(token);
    if (!parsed) return false;
    const bytes = Number(c.req.header("content-length") ?? "0");
    const result = await deps.key(parsed.id).verify(parsed.secret, Number.isSafeInteger(bytes) && bytes > 0 ? bytes : 0);
    if (!result.ok) {
      if (result.error.code === "rate_limited") throw BrokerError.from(result);
      return false;
    }
    setPrincipal(c, { kind: "key", ...result.key });
    if (result.metered) markMetered(c);
    secrets.set(c, parsed.secret);
    return true;
  };
  return bearerAuth({
    // The admin token is answered without a promise (Hono awaits either), a key by its object.
    verifyToken: (token: string, c: Context) => {
      if (deps.adminToken && isAdmin(token)) {
        setPrincipal(c, ADMIN);
        return true;
      }
      return verifyKey(token, c);
    },
    noAuthenticationHeader: { message: errorBody("unauthorized", "missing Authorization: Bearer <token> header") },
    // A malformed header is still "not authenticated": 401, not the middleware's default 400.
    invalidAuthenticationHeader: {
      message: () => Response.json(errorBody("unauthorized", "malformed Authorization header; expected Bearer <token>"), { status: 401 }),
    },
    invalidToken: { message: errorBody("unauthorized", "the bearer token is not valid (unknown, revoked or rotated)") },
  });
}

/** After the answer: bytes a fetch served go to the key's byte-rate quota (Kafka's fetch quota). */
export function chargeFetches(deps: AppDeps): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const bytes = chargeOf(c);
    if (bytes === 0) return;
    const p = principalOf(c);
    if (p.kind !== "key") return;
    const charged = Promise.resolve(deps.key(p.id).charge(bytes)).catch(() => undefined);
    try {
      c.executionCtx.waitUntil(charged);
    } catch {
      // No execution context (standalone hosts): the promise runs on by itself.
    }
  };
}

/**
 * /ds: a request without an Authorization header gets the anonymous grants when the operator
 * configured some (EDGEBROKER_ANONYMOUS_GRANTS); every other request authenticates as on /v1,
 * except the paths matching `ownAuth`, which check a token of their own.
 */
export function authenticateOrAnonymous(deps: AppDeps, ownAuth: RegExp): MiddlewareHandler {
  const bearer = authenticate(deps);
  return async (c, next) => {
    // Subscription callbacks carry the wake's token, which the route checks; signing keys are public.
    if (ownAuth.test(c.req.path)) {
      setPrincipal(c, { kind: "anonymous", name: "anonymous", grants: [] });
      return next();
    }
    if (c.req.header("authorization") === undefined && deps.anonymousGrants) {
      setPrincipal(c, { kind: "anonymous", name: "anonymous", grants: deps.anonymousGrants });
      return next();
    }
    if (!deps.adminToken) {
      throw new BrokerError("not_configured", "this broker has no EDGEBROKER_ADMIN_TOKEN configured; no request can be authorized");
    }
    return bearer(c, next);
  };
}
