// The Durable Streams protocol under /ds in the OpenAPI document. The protocol is an external
// specification (https://github.com/durable-streams/durable-streams, PROTOCOL.md) tested by its
// conformance suite (npm run test:conformance): one route dispatches by method (index.ts), so
// these operations are documented only; nothing here changes how a request is answered.
import { type RouteConfig, z } from "@hono/zod-openapi";
import { AUTH_ERRORS, errors } from "../openapi/schemas.ts";

const tags = ["Durable Streams"];
const StreamPath = z.object({
  path: z.string().openapi({ description: "The stream's path (may contain /); its first segment maps to a topic", example: "chat/room-1" }),
});
const Body = z
  .string()
  .openapi({ format: "binary", description: "The stream's content type (application/json: JSON messages, batched as arrays)" });
const bytes = {
  "application/octet-stream": { schema: Body },
  "application/json": { schema: z.unknown(), example: [{ user: "ada", text: "hello" }] },
};
const offsetHeaders = {
  "Stream-Next-Offset": { schema: { type: "string" as const }, description: "The offset to read from next" },
};

const op = (method: RouteConfig["method"], summary: string, extra: Partial<RouteConfig>): RouteConfig => ({
  method,
  path: "/{path}",
  tags,
  summary,
  request: { params: StreamPath, ...(extra.request ?? {}) },
  responses: extra.responses ?? {},
  ...(extra.description ? { description: extra.description } : {}),
});

const Root = z.object({
  root: z.string().openapi({ description: "The stream root the API belongs to (empty, or a path ending in /)", example: "chat" }),
  id: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/)
    .openapi({ example: "room-watcher" }),
});

const control = (method: RouteConfig["method"], path: string, summary: string, responses: RouteConfig["responses"]): RouteConfig => ({
  method,
  path: `/{root}/__ds/${path}`,
  tags,
  summary,
  request: {
    params: path.includes("{stream}")
      ? Root.extend({ stream: z.string().openapi({ description: "The stream's path below the root", example: "room-1" }) })
      : path.includes("{id}")
        ? Root
        : Root.pick({ root: true }),
  },
  responses,
});

export const DS_ROUTES: RouteConfig[] = [
  op("put", "Create a stream (idempotent for the same configuration)", {
    request: {
      headers: z.object({
        "stream-ttl": z.string().optional().openapi({ description: "Seconds to keep the stream after its last append" }),
        "stream-expires-at": z.string().optional().openapi({ description: "RFC 3339 time the stream expires" }),
        "stream-forked-from": z.string().optional().openapi({ description: "Fork this stream from another at Stream-Fork-Offset" }),
      }),
      body: { required: false, content: bytes },
    },
    responses: {
      201: { description: "Created", headers: offsetHeaders },
      200: { description: "Exists with this configuration" },
      ...errors(400, 401, 403, 409),
    },
  }),
  op("post", "Append to a stream (Producer-Id / Producer-Epoch / Producer-Seq for idempotent appends)", {
    request: { body: { required: true, content: bytes } },
    responses: {
      204: { description: "Appended", headers: offsetHeaders },
      200: { description: "Appended (a duplicate of an appended request)" },
      ...errors(400, 401, 403, 404, 409, 413),
    },
  }),
  op("get", "Read from an offset: catch-up, long-poll (live=long-poll) or Server-Sent Events (live=sse)", {
    request: {
      query: z.object({
        offset: z.string().optional().openapi({ description: '"-1" (the start), "now" (the tail) or an offset this server issued' }),
        live: z.enum(["long-poll", "sse"]).optional(),
        cursor: z.string().optional(),
      }),
    },
    responses: {
      200: {
        description: "The messages from the offset",
        headers: offsetHeaders,
        content: { ...bytes, "text/event-stream": { schema: z.string() } },
      },
      204: { description: "Long-poll deadline passed with nothing new" },
      ...errors(400, 401, 403, 404, 410),
    },
  }),
  op("head", "A stream's metadata (Stream-Next-Offset, content type, TTL)", {
    responses: { 200: { description: "The stream exists", headers: offsetHeaders }, ...errors(401, 403, 404) },
  }),
  op("delete", "Delete a stream", { responses: { 204: { description: "Deleted" }, ...errors(401, 403, 404) } }),
  control("get", "jwks.json", "The public keys webhook signatures verify with (no authentication)", {
    200: {
      description: "A JWK set",
      content: { "application/jwk-set+json": { schema: z.looseObject({ keys: z.array(z.looseObject({ kid: z.string() })) }) } },
    },
  }),
  control("put", "subscriptions/{id}", "Create or replace a subscription (a webhook or pull wakes) over a glob of streams", {
    201: { description: "Created" },
    200: { description: "Replaced" },
    ...errors(400, ...AUTH_ERRORS),
  }),
  control("get", "subscriptions/{id}", "Show a subscription", { 200: { description: "The subscription" }, ...errors(...AUTH_ERRORS, 404) }),
  control("delete", "subscriptions/{id}", "Delete a subscription", { 204: { description: "Deleted" }, ...errors(...AUTH_ERRORS, 404) }),
  control("post", "subscriptions/{id}/streams", "Add streams to a subscription", {
    204: { description: "Added" },
    ...errors(400, ...AUTH_ERRORS, 404),
  }),
  control("delete", "subscriptions/{id}/streams/{stream}", "Remove a stream from a subscription", {
    204: { description: "Removed" },
    ...errors(...AUTH_ERRORS, 404),
  }),
  control("post", "subscriptions/{id}/callback", "A webhook receiver's callback: acknowledge offsets (the wake's token authenticates)", {
    200: { description: "Acknowledged" },
    ...errors(400, 401, 404, 409),
  }),
  control("post", "subscriptions/{id}/ack", "Acknowledge a pull wake's offsets (the wake's token authenticates)", {
    200: { description: "Acknowledged" },
    ...errors(400, 401, 404, 409),
  }),
  control("post", "subscriptions/{id}/claim", "Claim the next pull wake", {
    200: { description: "A wake" },
    204: { description: "None pending" },
    ...errors(400, ...AUTH_ERRORS, 404),
  }),
  control("post", "subscriptions/{id}/release", "Release a claimed wake (the wake's token authenticates)", {
    204: { description: "Released" },
    ...errors(400, 401, 404, 409),
  }),
];
