// API keys (admin only): create (the secret is shown once), list and show (never the secret),
// rotate (optionally keeping the old secret valid for a grace period), revoke (at once).
import { Hono } from "hono";
import { BrokerError, unwrap } from "../../core/errors.ts";
import { validateGrants } from "../../core/keys/grants.ts";
import type { Quotas } from "../../core/keys/service.ts";
import { asObject, bodyKind, readStructuredBody, respond } from "../content.ts";
import type { AppDeps } from "../deps.ts";
import { base64 } from "../log/record-view.ts";
import { requireGrant } from "../auth/principal.ts";

const KEY_ID = /^[0-9a-f]{16}$/;
const MAX_GRACE_MS = 7 * 86_400_000;

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** 32 characters of base64url: 192 bits of randomness. */
function randomSecret(): string {
  return base64(crypto.getRandomValues(new Uint8Array(24)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
}

function validateQuotas(input: unknown): Quotas {
  if (input === undefined || input === null) return {};
  if (typeof input !== "object" || Array.isArray(input))
    throw new BrokerError("bad_request", "quotas: expected {requests_per_second, bytes_per_second}");
  const out: Quotas = {};
  for (const [k, v] of Object.entries(input)) {
    if (k !== "requests_per_second" && k !== "bytes_per_second")
      throw new BrokerError("bad_request", `quotas.${k}: unknown quota (expected requests_per_second, bytes_per_second)`);
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1)
      throw new BrokerError("bad_request", `quotas.${k}: expected a positive integer, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

async function objectBody(c: Parameters<typeof readStructuredBody>[0], allowEmpty: boolean): Promise<Record<string, unknown>> {
  if (allowEmpty && (c.req.header("content-length") === "0" || !c.req.header("content-type"))) return {};
  return asObject(await readStructuredBody(c, bodyKind(c, ["json", "msgpack"])));
}

export function keyRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.use("*", async (c, next) => {
    requireGrant(c, "admin", "*");
    await next();
  });
  const keyId = (raw: string) => {
    if (!KEY_ID.test(raw)) throw new BrokerError("invalid_parameter", `key id: expected 16 hex digits, got "${raw.slice(0, 40)}"`);
    return raw;
  };

  app.post("/", async (c) => {
    const body = await objectBody(c, false);
    const unknown = Object.keys(body).find((k) => !["name", "grants", "quotas"].includes(k));
    if (unknown) throw new BrokerError("bad_request", `${unknown}: unknown field (expected name, grants, quotas)`);
    if (typeof body.name !== "string" || body.name.length === 0 || body.name.length > 200)
      throw new BrokerError("bad_request", "name: expected a non-empty string of at most 200 characters");
    const grants = validateGrants(body.grants);
    const quotas = validateQuotas(body.quotas);
    const id = randomHex(8);
    const secret = randomSecret();
    unwrap(await deps.key(id).create({ id, name: body.name, grants, quotas, secret }));
    const listing = { id, name: body.name, grants, quotas, created_at: Date.now(), rotated_at: null, revoked_at: null };
    await deps.cluster().registerKey(listing);
    return respond(c, 201, { ...listing, secret: `ebk_${id}_${secret}` });
  });

  app.get("/", async (c) => respond(c, 200, { keys: await deps.cluster().listKeys() }));

  app.get("/:id", async (c) => respond(c, 200, unwrap(await deps.cluster().getKey(keyId(c.req.param("id")))).key));

  app.post("/:id/rotate", async (c) => {
    const id = keyId(c.req.param("id"));
    const body = await objectBody(c, true);
    const grace = body.grace_ms ?? 0;
    if (typeof grace !== "number" || !Number.isSafeInteger(grace) || grace < 0 || grace > MAX_GRACE_MS) {
      throw new BrokerError("bad_request", `grace_ms: expected an integer from 0 to ${MAX_GRACE_MS}`);
    }
    unwrap(await deps.cluster().getKey(id));
    const secret = randomSecret();
    const rotated = unwrap(await deps.key(id).rotate(secret, grace));
    await deps.cluster().markKey(id, "rotated_at", rotated.rotated_at);
    return respond(c, 200, {
      id,
      secret: `ebk_${id}_${secret}`,
      rotated_at: rotated.rotated_at,
      previous_valid_until: grace > 0 ? rotated.rotated_at + grace : null,
    });
  });

  app.delete("/:id", async (c) => {
    const id = keyId(c.req.param("id"));
    unwrap(await deps.cluster().getKey(id));
    unwrap(await deps.key(id).revoke());
    await deps.cluster().markKey(id, "revoked_at", Date.now());
    return c.body(null, 204);
  });
  return app;
}
