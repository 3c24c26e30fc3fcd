// The consumer-group routes in the OpenAPI document. The request bodies are body.ts's schemas,
// the same ones the routes parse with (readBody), so the document states what is enforced.
import { createRoute, z } from "@hono/zod-openapi";
import type { Limits } from "../../core/limits.ts";
import { EXAMPLE_VALUE } from "../openapi/examples.ts";
import { AUTH_ERRORS, checkedParam, errors, IsolationQuery, intQuery, structured } from "../openapi/schemas.ts";
import { CommitBody, groupNameParam, JoinBody, pollBodySchema, ResetBody } from "./body.ts";

const tags = ["Consumer groups"];

export const GroupParam = checkedParam(groupNameParam).openapi({
  type: "string",
  pattern: "^[a-zA-Z0-9._-]+$",
  example: "billing",
});
const MEMBER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MemberParam = z.string().openapi({ pattern: MEMBER_ID.source, example: "m-5f2c1a9e" });
const GroupPath = z.object({ group: GroupParam });
const MemberPath = z.object({ group: GroupParam, member: MemberParam });
const TopicPartitions = z.object({ topic: z.string(), partitions: z.array(z.int()) });

const MembershipView = z
  .object({
    member_id: z.string(),
    member_epoch: z.int(),
    group_epoch: z.int(),
    assignment: z.array(TopicPartitions),
    pending: z.array(TopicPartitions).openapi({ description: "Assigned partitions another member still has to release" }),
    session_timeout_ms: z.int(),
  })
  .openapi("Membership");

const membershipExample = {
  member_id: "m-5f2c1a9e",
  member_epoch: 3,
  group_epoch: 3,
  assignment: [{ topic: "orders", partitions: [0, 2] }],
  pending: [],
  session_timeout_ms: 30_000,
};

const GroupRecord = z
  .object({
    topic: z.string(),
    partition: z.int(),
    offset: z.int(),
    timestamp: z.int(),
    key: z.string().nullable().optional(),
    key_b64: z.string().optional(),
    value: z.unknown().optional(),
    value_b64: z.string().optional(),
    headers: z.record(z.string(), z.string()),
  })
  .openapi("GroupRecord");

const recordExample = {
  topic: "orders",
  partition: 2,
  offset: 41,
  timestamp: 1_764_547_200_000,
  key: "order-1042",
  value: EXAMPLE_VALUE,
  headers: {},
};

export const LIST_GROUPS = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "List the consumer groups this key may see",
  responses: {
    200: {
      description: "Groups",
      content: structured(z.object({ groups: z.array(z.object({ group: z.string(), created_at: z.int() })) }), {
        groups: [{ group: "billing", created_at: 1_764_547_100_000 }],
      }),
    },
    ...errors(...AUTH_ERRORS),
  },
});

export const JOIN = createRoute({
  method: "post",
  path: "/{group}/members",
  tags,
  summary: "Join (or rejoin with member_id) a consumer group",
  request: {
    params: GroupPath,
    body: {
      required: true,
      content: structured(JoinBody, { topics: ["orders"], session_timeout_ms: 30_000, auto_offset_reset: "earliest" }),
    },
  },
  responses: {
    200: { description: "The membership and its assignment", content: structured(MembershipView, membershipExample) },
    ...errors(400, ...AUTH_ERRORS, 404, 409, 415),
  },
});

export function pollRoute(limits: Limits) {
  return createRoute({
    method: "post",
    path: "/{group}/members/{member}/poll",
    tags,
    summary: "Poll records of the member's partitions (also the heartbeat)",
    request: {
      params: MemberPath,
      body: { required: true, content: structured(pollBodySchema(limits), { member_epoch: 3, max_records: 100, wait_ms: 5_000 }) },
    },
    responses: {
      200: {
        description: "The membership (a new epoch when the assignment changed) and records",
        content: structured(
          MembershipView.extend({
            records: z.array(GroupRecord),
            partition_errors: z.array(z.looseObject({ topic: z.string(), partition: z.int() })).optional(),
          }),
          { ...membershipExample, records: [recordExample] },
        ),
      },
      ...errors(400, ...AUTH_ERRORS, 404, 409, 415),
    },
  });
}

export const COMMIT = createRoute({
  method: "post",
  path: "/{group}/members/{member}/commit",
  tags,
  summary: "Commit offsets (the next offset to read, as in Kafka)",
  request: {
    params: MemberPath,
    body: {
      required: true,
      content: structured(CommitBody, { member_epoch: 3, offsets: [{ topic: "orders", partition: 2, offset: 42 }] }),
    },
  },
  responses: {
    200: {
      description: "The committed offsets",
      content: structured(z.object({ offsets: z.array(z.looseObject({ topic: z.string(), partition: z.int(), offset: z.int() })) }), {
        offsets: [{ topic: "orders", partition: 2, offset: 42, metadata: null }],
      }),
    },
    ...errors(400, ...AUTH_ERRORS, 404, 409, 415),
  },
});

export const LEAVE = createRoute({
  method: "delete",
  path: "/{group}/members/{member}",
  tags,
  summary: "Leave the group",
  request: { params: MemberPath },
  responses: { 204: { description: "Left" }, ...errors(400, ...AUTH_ERRORS, 404) },
});

export const DESCRIBE = createRoute({
  method: "get",
  path: "/{group}",
  tags,
  summary: "Describe a group: members, assignment, committed offsets and lag",
  request: { params: GroupPath },
  responses: {
    200: {
      description: "The group",
      content: structured(
        z.looseObject({
          group: z.string(),
          group_epoch: z.int(),
          state: z.string(),
          members: z.array(z.looseObject({ member_id: z.string() })),
          offsets: z.array(
            z.looseObject({
              topic: z.string(),
              partition: z.int(),
              offset: z.int(),
              high_watermark: z.int().nullable(),
              lag: z.int().nullable(),
            }),
          ),
        }),
        {
          group: "billing",
          group_epoch: 3,
          assignment_epoch: 3,
          assignor: "uniform",
          state: "stable",
          created_at: 1_764_547_100_000,
          members: [{ member_id: "m-5f2c1a9e", member_epoch: 3, assignment: [{ topic: "orders", partitions: [0, 2] }] }],
          offsets: [{ topic: "orders", partition: 2, offset: 42, metadata: null, high_watermark: 50, lag: 8 }],
        },
      ),
    },
    ...errors(400, ...AUTH_ERRORS, 404),
  },
});

export const DELETE_GROUP = createRoute({
  method: "delete",
  path: "/{group}",
  tags,
  summary: "Delete a group with no active members",
  request: { params: GroupPath },
  responses: { 204: { description: "Deleted" }, ...errors(400, ...AUTH_ERRORS, 404, 409) },
});

export const RESET = createRoute({
  method: "post",
  path: "/{group}/offsets/reset",
  tags,
  summary: "Reset committed offsets (explicit, or earliest / latest / a timestamp per topic)",
  request: {
    params: GroupPath,
    body: { required: true, content: structured(ResetBody, { topics: ["orders"], to: "earliest", dry_run: true }) },
  },
  responses: {
    200: {
      description: "Each partition's new offset, and why it differs from the one asked for",
      content: structured(
        z.object({
          group: z.string(),
          dry_run: z.boolean(),
          offsets: z.array(
            z.object({
              topic: z.string(),
              partition: z.int(),
              offset: z.int(),
              previous_offset: z.int().nullable(),
              requested_offset: z.int(),
              log_start_offset: z.int(),
              log_end_offset: z.int(),
              clamped: z.enum(["log_start", "log_end"]).nullable(),
            }),
          ),
        }),
        {
          group: "billing",
          dry_run: true,
          offsets: [
            {
              topic: "orders",
              partition: 0,
              offset: 0,
              previous_offset: 17,
              requested_offset: 0,
              log_start_offset: 0,
              log_end_offset: 20,
              clamped: null,
            },
          ],
        },
      ),
    },
    ...errors(400, ...AUTH_ERRORS, 404, 409, 415),
  },
});

export function groupEventsRoute(limits: Limits, heartbeat: { default: number; min: number; max: number }) {
  return createRoute({
    method: "get",
    path: "/{group}/members/{member}/events",
    tags,
    summary: "The member's records and assignment changes as Server-Sent Events (polls and heartbeats for it)",
    request: {
      params: MemberPath,
      query: z.object({
        member_epoch: intQuery({ description: "Required unless Last-Event-ID resumes a stream" }),
        max_records: intQuery({ min: 1, default: 500, max: limits.maxFetchRecords }),
        heartbeat_ms: intQuery({ min: heartbeat.min, default: heartbeat.default, max: heartbeat.max }),
        isolation: IsolationQuery,
      }),
      headers: z.object({
        "last-event-id": z.string().optional().openapi({ description: "Resume after this event (EventSource sends it)" }),
      }),
    },
    responses: {
      200: {
        description: "An event stream: record, assignment and heartbeat events; an end event says why it stopped",
        content: { "text/event-stream": { schema: z.string() } },
      },
      ...errors(400, ...AUTH_ERRORS, 404, 409),
    },
  });
}
