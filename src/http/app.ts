// The one Hono app every host serves. Routes are grouped by concern in routes/; errors become
// `{"error": {"code", "message"}}` responses in exactly one place (onError).
import { OpenAPIHono } from "@hono/zod-openapi";
import type { BlankEnv } from "hono/types";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { BrokerError, ERRORS, storageFull } from "../core/errors.ts";
import { authenticateOrAnonymous, chargeFetches } from "./auth/authenticate.ts";
import { bodyRefusal, meterBodies } from "./body-meter.ts";
import { v1Gate } from "./v1-gate.ts";
import type { AppDeps } from "./deps.ts";
import { fetchRoutes } from "./log/fetch.ts";
import { groupRoutes } from "./groups/routes.ts";
import { produceRoutes } from "./log/produce.ts";
import { keyRoutes } from "./keys/routes.ts";
import { lifecycleRoutes } from "./log/lifecycle.ts";
import { producerRoutes } from "./log/producers.ts";
import { topicRoutes } from "./topics/routes.ts";
import { txnRoutes } from "./txn/routes.ts";
import { tailSseRoutes } from "./tails/sse.ts";
import { tailWsRoutes } from "./tails/ws.ts";
import { TopicCache } from "./topics/topic-cache.ts";
import { dsCors, durableStreamRoutes, OWN_AUTH_PATH } from "./streams/index.ts";
import { HttpMetrics, noteError } from "./metrics/http-metrics.ts";
import { HEALTHZ, metricsRoutes, readinessRoutes } from "./metrics/routes.ts";
import { consoleRoutes } from "./console/routes.ts";
import { OPENAPI_JSON, serveDocument } from "./openapi/document.ts";
import { connectorRoutes, connectorWebhookRoute } from "./connect/routes.ts";

function errorBody(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { error: { code, message, ...extra } };
}

export function createApp(deps: AppDeps): OpenAPIHono<BlankEnv> {
  const app = new OpenAPIHono<BlankEnv>();
  const topics = new TopicCache(deps.cluster, deps.metadataTtlMs ?? 2_000, deps.now ?? Date.now);
  const metrics = new HttpMetrics(deps);

  app.onError((err, c) => {
    // A body refused by its key's byte quota while being read: whatever the route made of the
    // failed read (the runtime may wrap the stream's error), the answer is the quota's 429.
    err = bodyRefusal(c) ?? storageFull(err) ?? err;
    if (err instanceof BrokerError) {
      noteError(c, err.code);
      if (err.code === "rate_limited")
        c.header("Retry-After", String(Math.max(1, Math.ceil(Number(err.extra.retry_after_ms ?? 1000) / 1000))));
      return c.json(errorBody(err.code, err.message, err.extra), err.status as 400);
    }
    if (err instanceof HTTPException) {
      // bearerAuth's refusals: 401 unauthorized (the bodies authenticate.ts gives them).
      if (err.status === 401) noteError(c, "unauthorized");
      return err.getResponse();
    }
    noteError(c, "internal");
    // Anything else is a bug: log it for the operator, tell the client no more than that.
    console.error("edgebroker: unhandled error", err);
    return c.json(errorBody("internal", "internal error"), ERRORS.internal.status);
  });
  app.notFound((c) => {
    noteError(c, "not_found");
    return c.json(errorBody("not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404);
  });

  // Unauthenticated liveness probe; also the "no-op route" ceiling in the benchmarks, so it is
  // registered before the metrics middleware and stays a no-op (it is not counted).
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.openAPIRegistry.registerPath(HEALTHZ);

  // Then every other request is timed and its outcome counted (docs/monitoring.md).
  app.use("*", metrics.middleware());

  if (deps.corsOrigins && deps.corsOrigins.length > 0) {
    // Before authentication: browsers send preflight requests without credentials.
    app.use(
      "*",
      cors({
        origin: deps.corsOrigins.includes("*") ? "*" : deps.corsOrigins,
        allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        allowHeaders: ["Authorization", "Content-Type", "Accept", "Producer-Id", "Producer-Epoch", "Producer-Seq", "Last-Event-ID"],
        exposeHeaders: ["Edgebroker-Next-Offset", "Edgebroker-High-Watermark", "Edgebroker-Log-Start-Offset", "Retry-After"],
        maxAge: 600,
      }),
    );
  }

  // The API's OpenAPI 3.1 document (docs/http-api.md): public, and served even while misconfigured.
  serveDocument(app, deps.publicUrl);
  app.openAPIRegistry.registerPath(OPENAPI_JSON);

  // Readiness: answers 503 with the reason while the broker cannot serve (settings, WASM, storage).
  app.route("/", readinessRoutes(deps));
  // The web console's static files: before the configuration check, so it can show the API's error.
  app.route("/", consoleRoutes(deps));

  if (deps.configError) {
    const message = deps.configError;
    app.use("*", async (c, next) =>
      c.req.path === "/healthz" || c.req.path === "/readyz" ? next() : Promise.reject(new BrokerError("not_configured", message)),
    );
  }

  app.route("/", metricsRoutes(deps, metrics));

  // Durable Streams (routes/durable-streams): its own CORS, and anonymous access when configured.
  app.use("/ds/*", dsCors(deps));
  app.use("/ds/*", authenticateOrAnonymous(deps, OWN_AUTH_PATH));
  app.use("/ds/*", chargeFetches(deps));
  app.use("/ds/*", meterBodies(deps));
  app.route("/ds", durableStreamRoutes(deps, topics));

  // A webhook source's deliveries carry the sender's signature, not a bearer token (docs/connectors.md).
  app.route("/v1/connectors", connectorWebhookRoute(deps));

  // The configuration check, authentication, quotas and the body limit, in one layer (v1-gate.ts).
  app.use("/v1/*", v1Gate(deps));

  app.route("/v1/topics", topicRoutes(deps, topics));
  app.route("/v1/topics", produceRoutes(deps, topics));
  app.route("/v1/topics", fetchRoutes(deps, topics));
  app.route("/v1/topics", lifecycleRoutes(deps, topics));
  app.route("/v1/topics", tailSseRoutes(deps, topics));
  app.route("/v1/topics", tailWsRoutes(deps, topics));
  app.route("/v1/producers", producerRoutes(deps));
  app.route("/v1/groups", groupRoutes(deps, topics));
  app.route("/v1/keys", keyRoutes(deps));
  app.route("/v1/transactions", txnRoutes(deps));
  app.route("/v1/connectors", connectorRoutes(deps));
  return app;
}
