// GET /openapi.json: the OpenAPI 3.1 document of every route, generated from the schemas the
// routes validate with (route.ts). Public: it holds no secrets, only the API's shape; the server
// URL is the one the request came to, so "try it" tools call the broker that served it.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { json } from "./schemas.ts";

export const DOCUMENT_INFO = {
  title: "edgebroker HTTP API",
  version: "1",
  description:
    "A Kafka-style event broker: topics, produce, fetch, consumer groups, live tails, transactions, API keys, " +
    'and the Durable Streams protocol under /ds. Errors are `{"error": {"code", "message"}}` with a stable snake_case code. ' +
    "Reference: docs/http-api.md.",
};

type Document = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

/** The document for `app` (generated once per app; routes do not change after createApp). */
const secured = new WeakSet<OpenAPIHono>();

export function openApiDocument(app: OpenAPIHono, serverUrl?: string): Document {
  if (!secured.has(app))
    secured.add(app) &&
      app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
        type: "http",
        scheme: "bearer",
        description: "The admin token (EDGEBROKER_ADMIN_TOKEN) or an API key's secret (POST /v1/keys)",
      });
  const doc = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: DOCUMENT_INFO,
    servers: serverUrl ? [{ url: serverUrl }] : [],
    security: [{ bearer: [] }],
  });
  return doc;
}

/**
 * Registers GET /openapi.json on the top-level app. It may come before the other routes (so no
 * middleware mounted later applies): the document is generated at the first request, once.
 * The server is the configured public URL (EDGEBROKER_PUBLIC_URL) or the request's origin.
 */
export function serveDocument(app: OpenAPIHono, publicUrl?: string): void {
  let cached: string | undefined;
  app.get("/openapi.json", (c) => {
    cached ??= JSON.stringify(openApiDocument(app));
    const doc = JSON.parse(cached) as Document;
    doc.servers = [{ url: publicUrl ?? new URL(c.req.url).origin }];
    return c.json(doc);
  });
}

export const OPENAPI_JSON = createRoute({
  method: "get",
  path: "/openapi.json",
  tags: ["Operations"],
  summary: "This document (OpenAPI 3.1; no authentication)",
  security: [],
  responses: {
    200: {
      description: "The OpenAPI 3.1 document",
      content: json(
        z.looseObject({
          openapi: z.literal("3.1.0"),
          info: z.looseObject({ title: z.string() }),
          paths: z.record(z.string(), z.unknown()),
        }),
        {
          openapi: "3.1.0",
          info: { title: DOCUMENT_INFO.title, version: DOCUMENT_INFO.version },
          paths: {},
        },
      ),
    },
  },
});
