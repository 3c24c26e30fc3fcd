// API keys (admin only): create (the secret is shown once), list and show (never the secret),
// rotate (optionally keeping the old secret valid for a grace period), revoke (at once).
import type { OpenAPIHono } from "@hono/zod-openapi";
import { unwrap } from "../../core/errors.ts";
import { respond } from "../content.ts";
import { openApp, openRoute, readBody } from "../openapi/route.ts";
import { CREATE_KEY, GET_KEY, KeyCreate, KeyRotate, LIST_KEYS, REVOKE_KEY, ROTATE_KEY } from "./schemas.ts";
import type { AppDeps } from "../deps.ts";
import { base64 } from "../log/record-view.ts";
import { requireGrant } from "../auth/principal.ts";

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** 32 characters of base64url: 192 bits of randomness. */
function randomSecret(): string {
  return base64(crypto.getRandomValues(new Uint8Array(24)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
}

export function keyRoutes(deps: AppDeps): OpenAPIHono {
  const app = openApp();
  app.use("*", async (c, next) => {
    requireGrant(c, "admin", "*");
    await next();
  });

  openRoute(app, CREATE_KEY, async (c) => {
    const { name, grants, quotas = {} } = await readBody(c, KeyCreate);
    const id = randomHex(8);
    const secret = randomSecret();
    unwrap(await deps.key(id).create({ id, name, grants, quotas, secret }));
    const listing = { id, name, grants, quotas, created_at: Date.now(), rotated_at: null, revoked_at: null };
    await deps.cluster().registerKey(listing);
    return respond(c, 201, { ...listing, secret: `ebk_${id}_${secret}` });
  });

  openRoute(app, LIST_KEYS, async (c) => respond(c, 200, { keys: await deps.cluster().listKeys() }));

  openRoute(app, GET_KEY, async (c) => respond(c, 200, unwrap(await deps.cluster().getKey(c.req.valid("param").id)).key));

  openRoute(app, ROTATE_KEY, async (c) => {
    const id = c.req.valid("param").id;
    const grace = (await readBody(c, KeyRotate, { optional: true })).grace_ms;
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

  openRoute(app, REVOKE_KEY, async (c) => {
    const id = c.req.valid("param").id;
    unwrap(await deps.cluster().getKey(id));
    unwrap(await deps.key(id).revoke());
    await deps.cluster().markKey(id, "revoked_at", Date.now());
    return c.body(null, 204);
  });
  return app;
}
