// The live tails in the OpenAPI document: Server-Sent Events and the WebSocket subscription of
// one partition (docs/tails.md). Where a tail starts is `offset` or, for an EventSource
// reconnecting, Last-Event-ID (params.ts).
import { createRoute, z } from "@hono/zod-openapi";
import type { Limits } from "../../core/limits.ts";
import { AUTH_ERRORS, errors, fail, intQuery, IsolationQuery, PartitionPath } from "../openapi/schemas.ts";

const tags = ["Live tails"];

const StartOffset = z
  .string()
  .optional()
  .transform((raw, ctx) =>
    raw === undefined || raw === "" || raw === "earliest" || raw === "latest" || /^(0|[1-9][0-9]*)$/.test(raw)
      ? raw
      : fail(ctx, `expected a non-negative integer, got "${raw}"`),
  )
  .openapi({ description: "Where to start: an offset, earliest, or latest (default)", example: "earliest" });

const LastEventId = z.string().optional().openapi({ description: "Resume after this event id (a record's offset); wins over offset" });

export function tailEventsRoute(limits: Limits, heartbeat: { default: number; min: number; max: number }) {
  return createRoute({
    method: "get",
    path: "/{topic}/partitions/{partition}/events",
    tags,
    summary: "Tail a partition as Server-Sent Events (one event per record, id = offset)",
    request: {
      params: PartitionPath,
      query: z.object({
        offset: StartOffset,
        max_records: intQuery({ min: 1, default: 500, max: limits.maxFetchRecords, description: "Records per read" }),
        heartbeat_ms: intQuery({ min: heartbeat.min, default: heartbeat.default, max: heartbeat.max }),
        isolation: IsolationQuery,
      }),
      headers: z.object({ "last-event-id": LastEventId }),
    },
    responses: {
      200: {
        description: "An event stream: `record` events (data: the record as JSON), comments as heartbeats",
        content: {
          "text/event-stream": {
            schema: z.string(),
            example:
              'id: 41\nevent: record\ndata: {"offset":41,"timestamp":1764547200000,"key":"order-1042","value":{"order_id":1042},"headers":{}}\n\n',
          },
        },
      },
      ...errors(400, ...AUTH_ERRORS, 404, 416),
    },
  });
}

export function tailWsRoute(window: { default: number; max: number }, ackTimeout: { default: number; max: number }) {
  return createRoute({
    method: "get",
    path: "/{topic}/partitions/{partition}/ws",
    tags,
    summary: "Tail a partition over a WebSocket, with acknowledgements bounding what is in flight",
    request: {
      params: PartitionPath,
      query: z.object({
        offset: StartOffset,
        max_unacked: intQuery({ min: 1, default: window.default, max: window.max, description: "Records sent before an ack is needed" }),
        ack_timeout_ms: intQuery({ min: 1, default: ackTimeout.default, max: ackTimeout.max }),
        isolation: IsolationQuery,
      }),
      headers: z.object({ "last-event-id": LastEventId }),
    },
    responses: {
      101: { description: "Switching to the WebSocket tail protocol (src/core/tails/tail-hub.ts)" },
      426: { description: "Not a WebSocket upgrade request", content: errors(426)[426]!.content },
      ...errors(400, ...AUTH_ERRORS, 404, 416),
    },
  });
}
