// /v1/connectors — Kafka Connect's REST API where it fits (POST /connectors, GET /connectors,
// GET/PUT …/config, GET …/status, PUT …/pause, PUT …/resume, POST …/restart, DELETE), each call
// going to the connector's own object. Managing connectors needs admin. The webhook source's
// POST …/webhook is the one route without a bearer token: the sender's signature is its credential.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { openApp, openRoute, readBody } from "../openapi/route.ts";
import * as routes from "./schemas.ts";
import { BrokerError, unwrap } from "../../core/errors.ts";
import { CONNECTOR_REGISTRY_NAME, type ConnectorApi } from "../../core/connect/types.ts";
import { requireGrant } from "../auth/principal.ts";
import type { AppDeps } from "../deps.ts";
import { ConfigIn, ConnectorCreate, connectorParam } from "./body.ts";

function connector(deps: AppDeps, name: string): ConnectorApi {
  if (!deps.connector) throw new BrokerError("not_configured", "this host has no connector objects");
  return deps.connector(name);
}

/** Connectors are the cluster's own clients: every management call needs admin. */
function requireAdmin(c: Context): void {
  requireGrant(c, "admin", "*");
}

export function connectorRoutes(deps: AppDeps): OpenAPIHono {
  const app = openApp();

  openRoute(app, routes.CREATE_CONNECTOR, async (c) => {
    requireAdmin(c);
    const { name, config } = await readBody(c, ConnectorCreate);
    const r = unwrap(await connector(deps, name).put(name, config, "create"));
    const { ok: _, created: __, ...info } = r;
    return c.json(info, 201);
  });

  // Kafka Connect answers a list of names; ?expand=status and/or ?expand=info answer a map of them.
  openRoute(app, routes.LIST_CONNECTORS, async (c) => {
    requireAdmin(c);
    const listing = await connector(deps, CONNECTOR_REGISTRY_NAME).list();
    const expand = c.req.queries("expand") ?? [];
    if (expand.length === 0) return c.json(listing.map((l) => l.name));
    const out: Record<string, Record<string, unknown>> = {};
    await Promise.all(
      listing.map(async (l) => {
        const entry: Record<string, unknown> = {};
        const api = connector(deps, l.name);
        if (expand.includes("info")) {
          const i = await api.info(l.name);
          if (i.ok) entry.info = { name: i.name, config: i.config, tasks: i.tasks, type: i.type };
        }
        if (expand.includes("status")) {
          const s = await api.status(l.name);
          if (s.ok) entry.status = { name: s.name, connector: s.connector, tasks: s.tasks, type: s.type };
        }
        out[l.name] = entry;
      }),
    );
    return c.json(out);
  });

  openRoute(app, routes.GET_CONNECTOR, async (c) => {
    requireAdmin(c);
    const name = connectorParam(c.req.valid("param").name);
    const { ok: _, ...info } = unwrap(await connector(deps, name).info(name));
    return c.json(info);
  });

  openRoute(app, routes.GET_CONFIG, async (c) => {
    requireAdmin(c);
    const name = connectorParam(c.req.valid("param").name);
    return c.json(unwrap(await connector(deps, name).info(name)).config);
  });

  openRoute(app, routes.PUT_CONFIG, async (c) => {
    requireAdmin(c);
    const name = connectorParam(c.req.valid("param").name);
    const config = await readBody(c, ConfigIn);
    const { ok: _, created, ...info } = unwrap(await connector(deps, name).put(name, config, "upsert"));
    return c.json(info, created ? 201 : 200);
  });

  openRoute(app, routes.GET_STATUS, async (c) => {
    requireAdmin(c);
    const name = connectorParam(c.req.valid("param").name);
    const { ok: _, ...status } = unwrap(await connector(deps, name).status(name));
    return c.json(status);
  });

  openRoute(app, routes.PAUSE, async (c) => {
    requireAdmin(c);
    const name = connectorParam(c.req.valid("param").name);
    unwrap(await connector(deps, name).pause(name));
    return c.body(null, 202);
  });

  openRoute(app, routes.RESUME, async (c) => {
    requireAdmin(c);
    const name = connectorParam(c.req.valid("param").name);
    unwrap(await connector(deps, name).resume(name));
    return c.body(null, 202);
  });

  openRoute(app, routes.RESTART, async (c) => {
    requireAdmin(c);
    const name = connectorParam(c.req.valid("param").name);
    unwrap(await connector(deps, name).restart(name));
    return c.body(null, 204);
  });

  openRoute(app, routes.DELETE_CONNECTOR, async (c) => {
    requireAdmin(c);
    const name = connectorParam(c.req.valid("param").name);
    unwrap(await connector(deps, name).remove(name));
    return c.body(null, 204);
  });

  return app;
}

/**
 * POST /v1/connectors/{name}/webhook: mounted before the bearer-token middleware. The body is read
 * whole (at most the broker's request limit) because the signature covers its exact bytes.
 */
export function connectorWebhookRoute(deps: AppDeps): OpenAPIHono {
  const app = openApp();
  openRoute(app, routes.WEBHOOK, async (c) => {
    const name = connectorParam(c.req.valid("param").name);
    const declared = Number(c.req.header("content-length") ?? "0");
    const limit = deps.limits.maxRequestBytes;
    if (declared > limit) throw new BrokerError("payload_too_large", `the body exceeds ${limit} bytes`, { limit });
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.length > limit) throw new BrokerError("payload_too_large", `the body exceeds ${limit} bytes`, { limit });
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, key) => (headers[key.toLowerCase()] = value));
    const r = await connector(deps, name).webhook(name, { headers, body: bytes });
    if (!r.ok && r.error.code === "connector_paused") c.header("Retry-After", "30");
    const { ok: _, ...result } = unwrap(r);
    return c.json(result, result.duplicate ? 200 : 202);
  });
  return app;
}
