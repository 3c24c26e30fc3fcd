// GET /metrics (Prometheus text; a key with consume on "metrics", or the admin token) and
// GET /readyz (unauthenticated readiness: settings valid, WASM core loaded, storage answering).
// docs/monitoring.md describes both.
import { Hono } from "hono";
import { BrokerError } from "../../core/errors.ts";
import { EXPOSITION_CONTENT_TYPE, formatExposition } from "../../core/metrics/exposition.ts";
import { authenticate } from "../auth/authenticate.ts";
import { requireGrant } from "../auth/principal.ts";
import type { AppDeps } from "../deps.ts";
import type { HttpMetrics } from "./http-metrics.ts";

/** How long readiness waits for the WASM core and the cluster object before calling them unready. */
const READY_TIMEOUT_MS = 5_000;

function within<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work(), timeout]).finally(() => clearTimeout(timer));
}

export function readinessRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get("/readyz", async (c) => {
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
    if (reason) return c.json({ error: { code: "not_ready", message: reason, checks } }, 503);
    return c.json({ ready: true, checks });
  });
  return app;
}

export function metricsRoutes(deps: AppDeps, metrics: HttpMetrics): Hono {
  const app = new Hono();
  app.use("/metrics", async (_c, next) => {
    if (!deps.adminToken) {
      throw new BrokerError("not_configured", "this broker has no EDGEBROKER_ADMIN_TOKEN configured; no request can be authorized");
    }
    return next();
  });
  app.use("/metrics", authenticate(deps));
  app.get("/metrics", async (c) => {
    requireGrant(c, "consume", "metrics");
    if (!deps.metrics) throw new BrokerError("not_configured", "this host has no metrics object");
    // This process's own increments first, so a scrape sees everything it was itself part of.
    await metrics.reporter.flush();
    const scrape = await deps.metrics().scrape();
    return c.body(formatExposition(scrape), 200, { "content-type": EXPOSITION_CONTENT_TYPE });
  });
  return app;
}
