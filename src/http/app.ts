// The one Hono app every host serves. Routes are grouped by concern in routes/; errors become
// `{"error": {"code", "message"}}` responses in exactly one place (onError).
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { BrokerError, ERRORS } from "../core/errors.ts";
import { tokenChecker } from "./auth.ts";
import type { AppDeps } from "./deps.ts";
import { fetchRoutes } from "./routes/fetch.ts";
import { produceRoutes } from "./routes/produce.ts";
import { producerRoutes } from "./routes/producers.ts";
import { topicRoutes } from "./routes/topics.ts";
import { TopicCache } from "./topic-cache.ts";

function errorBody(code: string, message: string, extra: Record<string, unknown> = {}) {
  return { error: { code, message, ...extra } };
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const isAdmin = tokenChecker(deps.adminToken ?? "");
  const topics = new TopicCache(deps.cluster, deps.metadataTtlMs ?? 2_000, deps.now ?? Date.now);

  app.onError((err, c) => {
    if (err instanceof BrokerError) return c.json(errorBody(err.code, err.message, err.extra), err.status as 400);
    if (err instanceof HTTPException) return err.getResponse();
    // Anything else is a bug: log it for the operator, tell the client no more than that.
    console.error("edgebroker: unhandled error", err);
    return c.json(errorBody("internal", "internal error"), ERRORS.internal.status);
  });
  app.notFound((c) => c.json(errorBody("not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404));

  // Unauthenticated liveness probe; also the "no-op route" ceiling in the benchmarks.
  app.get("/healthz", (c) => c.json({ ok: true }));

  app.use("/v1/*", async (c, next) => {
    if (!deps.adminToken) {
      throw new BrokerError("not_configured", "this broker has no EDGEBROKER_ADMIN_TOKEN configured; no request can be authorized");
    }
    return next();
  });
  app.use(
    "/v1/*",
    bearerAuth({
      verifyToken: (token) => isAdmin(token),
      noAuthenticationHeader: { message: errorBody("unauthorized", "missing Authorization: Bearer <token> header") },
      // A malformed header is still "not authenticated": 401, not the middleware's default 400.
      invalidAuthenticationHeader: {
        message: () => Response.json(errorBody("unauthorized", "malformed Authorization header; expected Bearer <token>"), { status: 401 }),
      },
      invalidToken: { message: errorBody("unauthorized", "the bearer token is not valid") },
    }),
  );
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: deps.limits.maxRequestBytes,
      onError: () => {
        throw new BrokerError("payload_too_large", `the request body exceeds the limit of ${deps.limits.maxRequestBytes} bytes (maxRequestBytes)`, { limit: deps.limits.maxRequestBytes });
      },
    }),
  );

  app.route("/v1/topics", topicRoutes(deps, topics));
  app.route("/v1/topics", produceRoutes(deps, topics));
  app.route("/v1/topics", fetchRoutes(deps, topics));
  app.route("/v1/producers", producerRoutes(deps));
  return app;
}
