// /v1/connectors in the OpenAPI document (docs/connectors.md): Kafka Connect's REST API where it
// fits. The request bodies are body.ts's schemas, the ones the routes parse with (their messages
// name each setting, with `error.field`). The webhook source's POST …/webhook is authenticated
// by the sender's signature, not a bearer token.
import { createRoute, z } from "@hono/zod-openapi";
import { errors, json } from "../openapi/schemas.ts";
import { ConfigIn, ConnectorCreate } from "./body.ts";

const tags = ["Connectors"];
const NamePath = z.object({ name: z.string().openapi({ example: "orders-to-billing" }) });
const config = { "connector.class": "http-sink", topics: "orders", "http.url": "https://billing.example.com/in" };
const Info = z
  .object({
    name: z.string(),
    config: z.record(z.string(), z.string()).openapi({ description: 'Secrets are shown as "[redacted]"' }),
    tasks: z.array(z.object({ connector: z.string(), task: z.int() })),
    type: z.enum(["sink", "source"]),
  })
  .openapi("ConnectorInfo");
const info = { name: "orders-to-billing", config, tasks: [{ connector: "orders-to-billing", task: 0 }], type: "sink" as const };
const Status = z
  .looseObject({
    name: z.string(),
    connector: z.looseObject({ state: z.enum(["RUNNING", "PAUSED", "FAILED"]), worker_id: z.string(), trace: z.string().optional() }),
    tasks: z.array(z.looseObject({ id: z.int(), state: z.string() })),
    type: z.enum(["sink", "source"]),
  })
  .openapi("ConnectorStatus");
const status = {
  name: "orders-to-billing",
  connector: { state: "RUNNING" as const, worker_id: "edgebroker" },
  tasks: [{ id: 0, state: "RUNNING", worker_id: "edgebroker" }],
  type: "sink" as const,
  group: "connect-orders-to-billing",
  lag: { total: 3, partitions: [{ topic: "orders", partition: 0, committed: 1039, high_watermark: 1042, lag: 3 }] },
};
const ERRS = [401, 403, 404, 429, 503] as const;
const named = (
  method: "get" | "put" | "post" | "delete",
  path: string,
  summary: string,
  responses: Parameters<typeof createRoute>[0]["responses"],
) => createRoute({ method, path, tags, summary, request: { params: NamePath }, responses: { ...responses, ...errors(...ERRS) } });

export const CREATE_CONNECTOR = createRoute({
  method: "post",
  path: "/",
  tags,
  summary: "Create a connector (admin)",
  request: {
    body: {
      required: true,
      content: json(ConnectorCreate, { name: "orders-to-billing", config }),
    },
  },
  responses: { 201: { description: "The connector", content: json(Info, info) }, ...errors(400, ...ERRS, 409, 415) },
});

export const LIST_CONNECTORS = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "List connector names; ?expand=status and/or ?expand=info answer a map of them",
  request: {
    query: z.object({
      // Other values are ignored, as Kafka Connect does.
      expand: z
        .union([z.string(), z.array(z.string())])
        .optional()
        .openapi({ description: "status and/or info (repeatable)", example: "status" }),
    }),
  },
  responses: {
    200: {
      description: "Names, or with expand a map of name → {status, info}",
      content: json(z.union([z.array(z.string()), z.record(z.string(), z.object({ status: Status.optional(), info: Info.optional() }))]), [
        "orders-to-billing",
        "github",
      ]),
    },
    ...errors(...ERRS),
  },
});

export const GET_CONNECTOR = named("get", "/{name}", "Show a connector", {
  200: { description: "The connector", content: json(Info, info) },
});
export const GET_CONFIG = named("get", "/{name}/config", "A connector's config", {
  200: { description: "The config map", content: json(z.record(z.string(), z.string()), config) },
});
export const PUT_CONFIG = createRoute({
  method: "put",
  path: "/{name}/config",
  tags,
  summary: "Create or update a connector's config (a paused connector stays paused)",
  request: { params: NamePath, body: { required: true, content: json(ConfigIn, config) } },
  responses: {
    200: { description: "Updated", content: json(Info, info) },
    201: { description: "Created", content: json(Info, info) },
    ...errors(400, ...ERRS, 415),
  },
});
export const GET_STATUS = named("get", "/{name}/status", "A connector's state, tasks, consumer lag and metrics", {
  200: { description: "The status", content: json(Status, status) },
});
export const PAUSE = named("put", "/{name}/pause", "Pause a connector", { 202: { description: "Pausing" } });
export const RESUME = named("put", "/{name}/resume", "Resume a connector", { 202: { description: "Resuming" } });
export const RESTART = named("post", "/{name}/restart", "Restart a FAILED connector (a batch being retried gets its attempts back)", {
  204: { description: "Restarted" },
});
export const DELETE_CONNECTOR = named("delete", "/{name}", "Delete a connector", { 204: { description: "Deleted" } });

export const WEBHOOK = createRoute({
  method: "post",
  path: "/{name}/webhook",
  tags,
  summary: "A webhook source's delivery, authenticated by the sender's HMAC signature (no bearer token)",
  security: [],
  request: {
    params: NamePath,
    body: { required: true, content: { "application/json": { schema: z.unknown(), example: { action: "opened" } } } },
  },
  responses: {
    202: {
      description: "Appended",
      content: json(z.object({ duplicate: z.boolean(), partition: z.int(), offset: z.int() }), {
        duplicate: false,
        partition: 0,
        offset: 0,
      }),
    },
    200: { description: "A delivery id already appended within the window: the first append's offset" },
    ...errors(400, 401, 404, 413, 503),
  },
});
