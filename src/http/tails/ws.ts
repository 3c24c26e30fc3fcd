// GET /v1/topics/{topic}/partitions/{partition}/ws?offset=N — a WebSocket tail of one partition.
// The Worker authorizes (consume on the topic) and resolves the topic here; the socket itself is
// accepted by the partition's object, which pushes each group commit to its subscribers (message
// formats and flow control: src/core/tails/tail-hub.ts). On the standalone hosts the runtime's WebSocket
// server accepts it and the in-process registry (src/http/tails/local-tails.ts) serves it the same way.
import { noteError } from "../metrics/http-metrics.ts";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { openApp, openRoute } from "../openapi/route.ts";
import { tailWsRoute } from "./schemas.ts";
import {
  DEFAULT_ACK_TIMEOUT_MS,
  DEFAULT_TAIL_WINDOW,
  TAIL_KEY_HEADERS,
  type TailCredential,
  type TailState,
} from "../../core/tails/tail-hub.ts";
import { secretOf } from "../auth/authenticate.ts";
import type { TopicInfo } from "../../core/topics/registry.ts";
import type { AppDeps } from "../deps.ts";
import { isolationParam, partitionParam } from "../params.ts";
import { principalOf, requireGrant } from "../auth/principal.ts";
import { positiveParam, tailStart } from "./params.ts";
import type { TopicCache } from "../topics/topic-cache.ts";

const MAX_WINDOW = 10_000;
const MAX_ACK_TIMEOUT_MS = 600_000;

export function tailWsRoutes(deps: AppDeps, topics: TopicCache): OpenAPIHono {
  const app = openApp();

  const route = tailWsRoute(
    { default: DEFAULT_TAIL_WINDOW, max: MAX_WINDOW },
    { default: DEFAULT_ACK_TIMEOUT_MS, max: MAX_ACK_TIMEOUT_MS },
  );
  openRoute(app, route, async (c) => {
    requireGrant(c, "consume", `topic:${c.req.param("topic")}`);
    const start = tailStart(c.req.query("offset"), c.req.header("last-event-id"));
    const window = positiveParam("max_unacked", c.req.query("max_unacked"), DEFAULT_TAIL_WINDOW, MAX_WINDOW);
    const ackTimeoutMs = positiveParam("ack_timeout_ms", c.req.query("ack_timeout_ms"), DEFAULT_ACK_TIMEOUT_MS, MAX_ACK_TIMEOUT_MS);
    const isolation = isolationParam(c.req.query("isolation"));
    // Workers see the Upgrade header only (the runtime handles Connection); a standalone server
    // treats a request without Connection: Upgrade as a plain request that cannot be upgraded.
    const connection = deps.localTails ? /\bupgrade\b/i.test(c.req.header("connection") ?? "") : true;
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket" || !connection) {
      return c.json(
        {
          error: {
            code: "upgrade_required",
            message:
              "this route is a WebSocket subscription: send Connection: Upgrade and Upgrade: websocket (or read .../events for Server-Sent Events)",
          },
        },
        426,
      );
    }
    const name = c.req.param("topic");
    // A key's tail asks the key's object again before pushes (src/core/tails/tail-hub.ts): revocation ends it.
    const p = principalOf(c);
    const secret = secretOf(c);
    const credential: TailCredential | undefined =
      p.kind === "key" && secret !== undefined ? { key: p.id, secret, checkedAt: (deps.now ?? Date.now)() } : undefined;
    const local = deps.localTails;
    if (local) {
      // The start is resolved (earliest/latest) and checked here, so a refusal is an HTTP error.
      let state!: TailState;
      await topics.withTopic(name, async (topic: TopicInfo) => {
        const partition = partitionParam(c.req.param("partition"), topic);
        const addr = { topic: topic.name, partition, epoch: topic.epoch };
        const check = await deps.partition(topic.name, partition).read({ ...addr, offset: start, maxRecords: 1, maxBytes: 1, waitMs: 0 });
        if (check.ok)
          state = {
            ...addr,
            next: check.offset,
            acked: check.offset,
            window,
            ackTimeoutMs,
            stalledSince: null,
            credential,
            ...(isolation === "read_committed" ? { isolation } : {}),
          };
        return check;
      });
      return local.tails.upgrade(c, local.upgrade, state);
    }
    const socketTo = deps.partitionSocket;
    if (!socketTo) {
      noteError(c, "not_implemented");
      return c.json(
        { error: { code: "not_implemented", message: "this host has no WebSocket server; use the SSE tail (.../events)" } },
        501,
      );
    }
    const forward = (topic: TopicInfo) => {
      const partition = partitionParam(c.req.param("partition"), topic);
      const url = new URL("https://partition/ws");
      for (const [k, v] of Object.entries({
        topic: topic.name,
        partition,
        epoch: topic.epoch,
        offset: start,
        max_unacked: window,
        ack_timeout_ms: ackTimeoutMs,
        isolation,
      })) {
        url.searchParams.set(k, String(v));
      }
      const headers = new Headers(c.req.raw.headers);
      headers.delete("authorization"); // the object trusts the Worker's decision; it needs no token
      headers.delete(TAIL_KEY_HEADERS.id);
      headers.delete(TAIL_KEY_HEADERS.secret);
      if (credential) {
        headers.set(TAIL_KEY_HEADERS.id, credential.key);
        headers.set(TAIL_KEY_HEADERS.secret, credential.secret);
      }
      return socketTo(topic.name, partition, new Request(url, { headers }));
    };
    const topic = await topics.get(name);
    const res = await forward(topic);
    // A cached incarnation that was deleted meanwhile: refresh once, as withTopic does.
    if (res.status === 404) {
      const current = await topics.get(name, true);
      if (current.epoch !== topic.epoch) return forward(current);
    }
    return res;
  });

  return app;
}
