// GET /metrics (Prometheus text; a key with consume on "metrics", or the admin token) and
// GET /readyz (unauthenticated readiness: settings valid, WASM core loaded, storage answering).
// docs/monitoring.md describes both.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { BrokerError } from "../../core/errors.ts";
import { EXPOSITION_CONTENT_TYPE, formatExposition } from "../../core/metrics/exposition.ts";
import { authenticate } from "../auth/authenticate.ts";
import { requireGrant } from "../auth/principal.ts";
import type { AppDeps } from "../deps.ts";
import { openApp, openRoute } from "../openapi/route.ts";
import { errors, json } from "../openapi/schemas.ts";
import type { HttpMetrics } from "./http-metrics.ts";

const tags = ["Operations"];

/** GET /healthz, served by app.ts before any middleware (the benchmarks' no-op route). */
export const HEALTHZ = createRoute({
  method: "get",
  path: "/healthz",
  tags,
  summary: "Liveness: the process answers (no authentication)",
  security: [],
  responses: { 200: { description: "Alive", content: json(z.object({ ok: z.literal(true) }), { ok: true }) } },
});

const Checks = z.record(z.string(), z.string()).openapi({ description: 'config, wasm, storage: "ok" or what is wrong' });

const READYZ = createRoute({
  method: "get",
  path: "/readyz",
  tags,
  summary: "Readiness: settings valid, WASM core loaded, storage answering (no authentication)",
  security: [],
  responses: {
    200: {
      description: "Ready",
      content: json(z.object({ ready: z.literal(true), checks: Checks }), {
        ready: true,
        checks: { config: "ok", wasm: "ok", storage: "ok" },
      }),
    },
    503: {
      description: "Not ready: the first failing check is the message",
      content: json(z.object({ error: z.object({ code: z.literal("not_ready"), message: z.string(), checks: Checks }) }), {
        error: {
          code: "not_ready",
          message: "config: EDGEBROKER_ADMIN_TOKEN is not set; no request can be authorized",
          checks: { config: "EDGEBROKER_ADMIN_TOKEN is not set; no request can be authorized", wasm: "ok", storage: "ok" },
        },
      }),
    },
  },
});

const METRICS = createRoute({
  method: "get",
  path: "/metrics",
  tags,
  summary: 'Prometheus metrics (admin token, or a key with consume on "metrics"; docs/monitoring.md)',
  responses: {
    200: {
      description: "The Prometheus text exposition format",
      content: {
        [EXPOSITION_CONTENT_TYPE]: {
          schema: z.string(),
          example:
            "# HELP edgebroker_http_requests_total HTTP requests by route and status class\n" +
            "# TYPE edgebroker_http_requests_total counter\n" +
            'edgebroker_http_requests_total{route="produce",status="2xx"} 1042\n',
        },
      },
    },
    ...errors(401, 403, 503),
  },
});

/** How long readiness waits for the WASM core and the cluster object before calling them unready. */
const READY_TIMEOUT_MS = 5_000;

function within<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work(), timeout]).finally(() => clearTimeout(timer));
}

export function readinessRoutes(deps: AppDeps): OpenAPIHono {
  const app = openApp();
  openRoute(app, READYZ, async (c) => {
    const checks: Record<string, string> = {};
    let reason: string | undefined;
    const fail = (check: string, message: string) => {
      checks[check] = message;
      reason ??= `${check}: ${message}`;
    };
    if (deps.configError) fail("config", deps.configError);
    else if (!deps.adminToken) fail("config", "EDGEBROKER_ADMIN_TOKEN is not set; no request can be authorized");
    else checks.config = "ok";
    try {
      await within(READY_TIMEOUT_MS, "the WASM core", () => deps.logCore());
      checks.wasm = "ok";
    } catch (err) {
      fail("wasm", (err as Error).message);
    }
    try {
      await within(READY_TIMEOUT_MS, "the cluster object", () => Promise.resolve(deps.cluster().ping()));
      checks.storage = "ok";
    } catch (err) {
      fail("storage", (err as Error).message);
    }
    if (reason) return c.json({ error: { code: "not_ready" as const, message: reason, checks } }, 503);
    return c.json({ ready: true as const, checks }, 200);
  });
  return app;
}

export function metricsRoutes(deps: AppDeps, metrics: HttpMetrics): OpenAPIHono {
  const app = openApp();
  app.use("/metrics", async (_c, next) => {
    if (!deps.adminToken) {
      throw new BrokerError("not_configured", "this broker has no EDGEBROKER_ADMIN_TOKEN configured; no request can be authorized");
    }
    return next();
  });
  app.use("/metrics", authenticate(deps));
  openRoute(app, METRICS, async (c) => {
    requireGrant(c, "consume", "metrics");
    if (!deps.metrics) throw new BrokerError("not_configured", "this host has no metrics object");
    // This process's own increments first, so a scrape sees everything it was itself part of.
    await metrics.reporter.flush();
    const scrape = await deps.metrics().scrape();
    return c.body(formatExposition(scrape), 200, { "content-type": EXPOSITION_CONTENT_TYPE });
  });
  return app;
}
