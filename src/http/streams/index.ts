// The Durable Streams protocol under /ds (README.md, "Durable Streams"): a stream's URL is
// /ds/<stream path>. Authentication is that of /v1 (admin token or API key; grants on the stream's
// topic: produce to append, consume to read, admin to create and delete), plus the optional
// anonymous grants for requests without an Authorization header. CORS is on for any origin unless
// EDGEBROKER_CORS_ORIGINS narrows it: DS clients run in browsers, and bearer tokens are not ambient
// credentials a foreign page could borrow.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { cors } from "hono/cors";
import { BrokerError } from "../../core/errors.ts";
import { fetchOutbound } from "../../core/outbound/outbound-fetch.ts";
import type { AppDeps } from "../deps.ts";
import type { TopicCache } from "../topics/topic-cache.ts";
import { ALLOWED_HEADERS, EXPOSED_HEADERS, securityHeaders } from "./headers.ts";
import { getStream, headStream, readQuery } from "./read.ts";
import { errorResponse } from "./respond.ts";
import { sseStream } from "./sse.ts";
import { StreamStore } from "./store.ts";
import { subscriptionRoute } from "./subscriptions.ts";
import { Wakes } from "./wakes.ts";
import { appendStream, createStream, deleteStream } from "./write.ts";
import { openApp } from "../openapi/route.ts";
import { DS_ROUTES } from "./schemas.ts";

export const DS_PREFIX = "/ds";
/** How long a long-poll waits for data before answering 204 (EDGEBROKER_DS_LONG_POLL_MS). */
export const DEFAULT_LONG_POLL_MS = 20_000;
const MAX_PATH_LENGTH = 4096;
/** Control APIs that authenticate with a wake's own token, or that are public (signing keys). */
export const OWN_AUTH_PATH = /\/__ds\/(jwks\.json|subscriptions\/[^/]+\/(callback|ack|release))$/;

/**
 * The URL path after /ds/, percent-decoded (so `a%20b` and `a b` are one stream): a stream path,
 * or a control API under a `__ds` segment, whose stream root is the part before it.
 */
function target(c: Context): { stream: string } | { root: string; rest: string[] } {
  let path: string;
  try {
    path = decodeURIComponent(new URL(c.req.url).pathname.slice(DS_PREFIX.length + 1));
  } catch {
    throw new BrokerError("bad_request", "the stream path is not valid percent-encoded UTF-8");
  }
  if (path.replace(/\/+$/, "") === "") throw new BrokerError("bad_request", "the URL names no stream: use /ds/<stream path>");
  if (path.length > MAX_PATH_LENGTH) throw new BrokerError("bad_request", `the stream path is longer than ${MAX_PATH_LENGTH} characters`);
  const segments = path.split("/");
  const control = segments.indexOf("__ds");
  if (control >= 0)
    return {
      root: segments
        .slice(0, control)
        .map((s) => s + "/")
        .join(""),
      rest: segments.slice(control + 1),
    };
  return { stream: path };
}

export function dsCors(deps: AppDeps) {
  return cors({
    origin: deps.corsOrigins && deps.corsOrigins.length > 0 && !deps.corsOrigins.includes("*") ? deps.corsOrigins : "*",
    allowMethods: ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"],
    allowHeaders: ALLOWED_HEADERS,
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}

export function durableStreamRoutes(deps: AppDeps, topics: TopicCache): OpenAPIHono {
  const app = openApp();
  // Documented per operation; served by the one route below, which dispatches as the protocol says.
  for (const route of DS_ROUTES) app.openAPIRegistry.registerPath(route);
  const store = new StreamStore(deps, topics);
  const longPollMs = deps.dsLongPollMs ?? DEFAULT_LONG_POLL_MS;
  const maxBytes = deps.limits.maxRequestBytes;
  const loopback = deps.dsLoopbackWebhooks === true;
  const wakes = new Wakes(store, {
    publicUrl: deps.publicUrl,
    outbound: deps.outboundFetch ?? fetchOutbound((input, init) => fetch(input, init)),
    policy: { allowLoopback: loopback },
  });

  app.all("/*", async (c) => {
    securityHeaders(c);
    try {
      const where = target(c);
      if ("root" in where)
        return await subscriptionRoute(c, store, wakes, where.root, where.rest, { allowLoopback: loopback, publicUrl: deps.publicUrl });
      const path = where.stream;
      switch (c.req.method) {
        case "PUT":
          return await createStream(c, store, wakes, path, maxBytes);
        case "POST":
          return await appendStream(c, store, wakes, path, maxBytes);
        case "DELETE":
          return await deleteStream(c, store, path);
        case "HEAD":
          return await headStream(c, store, path);
        case "GET": {
          const q = readQuery(c);
          return q.live === "sse" ? await sseStream(c, store, path, q, longPollMs) : await getStream(c, store, path, q, longPollMs);
        }
        default:
          throw new BrokerError("method_not_allowed", `${c.req.method} is not a Durable Streams operation (PUT, POST, GET, HEAD, DELETE)`);
      }
    } catch (err) {
      return errorResponse(c, err);
    }
  });
  return app;
}
