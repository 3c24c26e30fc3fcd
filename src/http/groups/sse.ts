// GET /v1/groups/{group}/members/{member}/events?member_epoch=N — a Server-Sent Events tail of a
// consumer-group member's assignment. While open it *is* the member's poll loop (heartbeat, the
// fan-out fetch, advance; src/http/groups/poll.ts), so it keeps the session alive, follows
// rebalances, and with auto_commit commits what it wrote on its next round, as a poll does.
//
//   event: assignment   when the member's partitions change (and first):
//                       data {"member_epoch","group_epoch","assignment","pending"}
//   event: record       data: the record as in a poll answer (topic, partition, offset, timestamp,
//                       key, value, headers)
//   id: <cursor>        on both: member epoch + last offset per partition (src/http/groups/cursor.ts),
//                       so an EventSource resumes with Last-Event-ID without gaps or duplicates
//   : heartbeat         a comment at the start and after `heartbeat_ms` without an event
//   event: end          the stream is over, data {"reason","message"}: member_fenced (another
//                       incarnation joined with this member id), member_removed (left, timed out),
//                       group_deleted, topic_deleted (every subscribed topic is gone),
//                       stream_replaced (a newer stream of the member took over: a reconnect
//                       with Last-Event-ID; one member has one live stream),
//                       credentials_revoked (the API key was revoked or rotated past its grace)
//   event: error        anything else that stops it, data {"error": {"code","message"}}
//
// Refusals before the first byte (auth, parameters, unknown member, stale epoch) are HTTP errors,
// so an EventSource that reconnects after `end` stops for good.
import { liveTail } from "../metrics/http-metrics.ts";
import type { Context } from "hono";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { openApp, openRoute } from "../openapi/route.ts";
import { groupEventsRoute } from "./schemas.ts";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import { BrokerError } from "../../core/errors.ts";
import { partitionKey } from "../../core/groups/assignors.ts";
import type { Membership } from "../../core/groups/types.ts";
import { CREDENTIAL_CHECK_MS, CredentialWatch, REVOKED_END } from "../auth/credential-watch.ts";
import type { AppDeps } from "../deps.ts";
import { formatCursor, parseCursor, type GroupCursor } from "./cursor.ts";
import { groupNameParam, memberIdParam } from "./body.ts";
import type { GroupPoller, PollOutcome } from "./poll.ts";
import { intParam, isolationParam } from "../params.ts";
import { requireGrant } from "../auth/principal.ts";
import { jsonRecord } from "../log/record-view.ts";
import { positiveParam } from "../tails/params.ts";
import { chargeStreamed, DEFAULT_HEARTBEAT_MS, MAX_HEARTBEAT_MS, MIN_HEARTBEAT_MS } from "../tails/sse.ts";

const POLL_MAX_BYTES = 1_048_576;
const END_REASONS: Partial<Record<string, string>> = {
  stale_epoch: "member_fenced",
  unknown_member: "member_removed",
  group_not_found: "group_deleted",
  stream_replaced: "stream_replaced",
};

export function groupTailRoutes(deps: AppDeps, poller: GroupPoller): OpenAPIHono {
  const app = openApp();
  const now = deps.now ?? Date.now;

  const route = groupEventsRoute(deps.limits, { default: DEFAULT_HEARTBEAT_MS, min: MIN_HEARTBEAT_MS, max: MAX_HEARTBEAT_MS });
  openRoute(app, route, async (c) => {
    const group = groupNameParam(c.req.param("group"));
    requireGrant(c, "consume", `group:${group}`);
    const memberId = memberIdParam(c.req.param("member"));
    // An EventSource resends the original URL: the epoch in Last-Event-ID is the newer one.
    const resumed = parseCursor(c.req.header("last-event-id"));
    const memberEpoch = resumed?.memberEpoch ?? intParam("member_epoch", c.req.query("member_epoch"));
    const maxRecords = positiveParam("max_records", c.req.query("max_records"), 500, deps.limits.maxFetchRecords);
    const heartbeatMs = positiveParam(
      "heartbeat_ms",
      c.req.query("heartbeat_ms"),
      DEFAULT_HEARTBEAT_MS,
      MAX_HEARTBEAT_MS,
      MIN_HEARTBEAT_MS,
    );
    const rewind = new Map([...(resumed?.seen ?? [])].map(([key, offset]) => [key, offset + 1]));
    const isolation = isolationParam(c.req.query("isolation"));
    const request = {
      memberEpoch,
      maxRecords,
      maxBytes: POLL_MAX_BYTES,
      waitMs: 0,
      ...(isolation === "read_committed" ? { isolation } : {}),
    };
    // The member's tail is this stream from now on: an older one still running is fenced before
    // this one reads the positions it rewinds (MemberTail, core/groups/types.ts).
    const self = { id: crypto.randomUUID() };
    const first = await poller.poll(c, group, memberId, { ...request, tail: { ...self, claim: true } }, rewind);

    c.header("X-Accel-Buffering", "no");
    return streamSSE(
      c,
      liveTail(c, "group_sse", "", async (stream) => {
        let open = true;
        stream.onAbort(() => {
          open = false;
        });
        const tail = new GroupSseTail(stream, c, deps, resumed?.seen);
        const credentials = new CredentialWatch(c, deps, Math.min(deps.credentialCheckMs ?? CREDENTIAL_CHECK_MS, heartbeatMs));
        let outcome: PollOutcome = first;
        // A first comment at once: some servers (Bun) and proxies send no headers before the first
        // bytes of the body, and a tail may have nothing to say for a long time.
        await stream.write(": heartbeat\n\n");
        let lastWrite = now();
        while (open) {
          // Asked before records are written, so a key found revoked receives nothing more.
          if (!(await credentials.valid())) {
            await tail.end(REVOKED_END.reason, REVOKED_END.message);
            return;
          }
          if (await tail.write(outcome, () => open)) lastWrite = now();
          const m = outcome.membership;
          if (m.subscription.topics && Object.keys(m.resolved).length === 0) {
            await tail.end("topic_deleted", `every topic member "${memberId}" subscribed to was deleted`);
            return;
          }
          if (now() - lastWrite >= heartbeatMs) {
            await stream.write(": heartbeat\n\n");
            lastWrite = now();
          }
          if (!open) return;
          // Wait for records at most until the next heartbeat is due; each round is also the
          // member's heartbeat, well within its session timeout.
          const waitMs = Math.max(1, Math.min(deps.limits.maxWaitMs, lastWrite + heartbeatMs - now(), Math.floor(m.sessionTimeoutMs / 2)));
          try {
            outcome = await poller.poll(c, group, memberId, { ...request, memberEpoch: m.memberEpoch, waitMs, tail: self });
          } catch (err) {
            const reason = err instanceof BrokerError ? END_REASONS[err.code] : undefined;
            if (reason) await tail.end(reason, (err as BrokerError).message);
            else await tail.error(err);
            return;
          }
        }
      }),
    );
  });

  return app;
}

/** Writes a group tail's events, keeping the cursor that every event carries as its id. */
class GroupSseTail {
  private readonly stream: SSEStreamingApi;
  private readonly c: Context;
  private readonly deps: AppDeps;
  private readonly cursor: GroupCursor;
  private told: string | undefined;
  private toldErrors = "[]";

  constructor(stream: SSEStreamingApi, c: Context, deps: AppDeps, seen: Map<string, number> | undefined) {
    this.stream = stream;
    this.c = c;
    this.deps = deps;
    this.cursor = { memberEpoch: 0, seen: new Map(seen) };
  }

  /** The assignment when it changed, then the records; true when anything was written. */
  async write(outcome: PollOutcome, open: () => boolean): Promise<boolean> {
    const m = outcome.membership;
    let wrote = false;
    this.cursor.memberEpoch = m.memberEpoch;
    const assignment = JSON.stringify({
      member_epoch: m.memberEpoch,
      group_epoch: m.groupEpoch,
      assignment: m.assignment,
      pending: m.pending,
    });
    if (assignment !== this.told) {
      this.forgetRevoked(m);
      await this.stream.writeSSE({ event: "assignment", id: formatCursor(this.cursor), data: assignment });
      this.told = assignment;
      wrote = true;
    }
    // Partitions withheld (corrupt_log) are named once per change, as the poll's partition_errors.
    const errors = JSON.stringify(outcome.partitionErrors);
    if (errors !== this.toldErrors && (outcome.partitionErrors.length > 0 || this.toldErrors !== "[]")) {
      await this.stream.writeSSE({ event: "partition_errors", data: JSON.stringify({ partition_errors: outcome.partitionErrors }) });
      wrote = true;
    }
    this.toldErrors = errors;
    let bytes = 0;
    for (const d of outcome.delivered) {
      const key = partitionKey(d.topic, d.partition);
      for (const r of d.page.decoded(d.count)) {
        if (!open()) break;
        this.cursor.seen.set(key, r.offset);
        await this.stream.writeSSE({
          event: "record",
          id: formatCursor(this.cursor),
          data: JSON.stringify(jsonRecord(r, { topic: d.topic, partition: d.partition })),
        });
        bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
        wrote = true;
      }
    }
    chargeStreamed(this.c, this.deps, bytes);
    return wrote;
  }

  async end(reason: string, message: string): Promise<void> {
    await this.stream.writeSSE({ event: "end", data: JSON.stringify({ reason, message }) });
  }

  async error(err: unknown): Promise<void> {
    if (!(err instanceof BrokerError)) console.error("edgebroker: group SSE tail failed", err);
    const error =
      err instanceof BrokerError
        ? { code: err.code, message: err.message, ...err.extra }
        : { code: "internal", message: "the group could not be polled; reconnect to resume" };
    await this.stream.writeSSE({ event: "error", data: JSON.stringify({ error }) });
  }

  /** Positions of partitions the member no longer owns leave the cursor: it stays as small as the assignment. */
  private forgetRevoked(m: Membership): void {
    const owned = new Set(m.assignment.flatMap((a) => a.partitions.map((p) => partitionKey(a.topic, p))));
    for (const key of [...this.cursor.seen.keys()]) if (!owned.has(key)) this.cursor.seen.delete(key);
  }
}
