// The reserved subscription APIs (PROTOCOL.md 6-7) under <stream root>/__ds/: create, read and
// delete subscriptions, edit their explicit streams, the webhook callback, pull-wake claim / ack /
// release, and the webhook signing keys (jwks.json). Stream paths in bodies are relative to the
// stream root, the part of the URL path before `__ds`.
import type { Context } from "hono";
import { BrokerError } from "../../core/errors.ts";
import { parseOffset, type DsReadOk } from "../../core/streams/types.ts";
import { globMatch } from "../../core/streams/glob.ts";
import { streamForTopic } from "./mapping.ts";
import type { SubConfig, SubResult, SubView } from "../../core/streams/subscriptions.ts";
import { formatOffset } from "../../core/streams/types.ts";
import { requireGrant } from "../auth/principal.ts";
import type { StreamStore } from "./store.ts";
import type { Wakes } from "./wakes.ts";
import { parseJsonBody } from "../body-decode.ts";
import { publicJwks, wakeStreams, webhookUrlProblem } from "./webhooks.ts";

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

function answer(c: Context, status: number, body?: unknown): Response {
  if (body === undefined) return c.body(null, status as 204);
  return c.json(body, status as 200);
}

function refused(c: Context, result: Extract<SubResult, { ok: false }>): Response {
  const extra = result.currentHolder ? { current_holder: result.currentHolder } : {};
  return c.json({ error: { code: result.code, message: result.message, ...extra } }, result.status as 400);
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const body = parseJsonBody(new Uint8Array(await c.req.arrayBuffer()));
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new BrokerError("bad_request", "the body must be a JSON object");
  return body as Record<string, unknown>;
}

function config(body: Record<string, unknown>, allowLoopback: boolean): SubConfig | string {
  const type = body.type;
  if (type !== "webhook" && type !== "pull-wake") return `type: expected "webhook" or "pull-wake"`;
  const pattern = body.pattern === undefined ? null : body.pattern;
  if (pattern !== null && (typeof pattern !== "string" || pattern === "")) return "pattern: expected a non-empty glob";
  const streams = body.streams ?? [];
  if (!Array.isArray(streams) || streams.some((s) => typeof s !== "string" || s === ""))
    return "streams: expected an array of stream paths";
  if (pattern === null && streams.length === 0) return "a subscription needs a pattern or streams";
  const webhook = body.webhook as { url?: unknown } | undefined;
  const webhookUrl = type === "webhook" ? (typeof webhook?.url === "string" ? webhook.url : null) : null;
  if (type === "webhook" && webhookUrl === null) return "webhook.url: required for a webhook subscription";
  const wakeStream =
    type === "pull-wake" ? (typeof body.wake_stream === "string" && body.wake_stream !== "" ? body.wake_stream : null) : null;
  if (type === "pull-wake" && wakeStream === null) return "wake_stream: required for a pull-wake subscription";
  const lease = body.lease_ttl_ms ?? 30_000;
  if (typeof lease !== "number" || !Number.isSafeInteger(lease) || lease < 1_000 || lease > 600_000)
    return "lease_ttl_ms: expected 1000 to 600000";
  const description = body.description === undefined ? null : body.description;
  if (description !== null && typeof description !== "string") return "description: expected a string";
  if (webhookUrl !== null) {
    const problem = webhookUrlProblem(webhookUrl, allowLoopback);
    if (problem) return `WEBHOOK_URL_REJECTED:${problem}`;
  }
  return {
    type,
    pattern: pattern as string | null,
    streams: streams as string[],
    webhookUrl,
    wakeStream,
    leaseTtlMs: lease,
    description: description as string | null,
  };
}

/** Where the broker is reached: the configured public URL, never the request's Host header. */
interface Site {
  allowLoopback: boolean;
  publicUrl: string | undefined;
}

function render(site: Site, root: string, sub: SubView, kid: string): Record<string, unknown> {
  const origin = site.publicUrl ?? "";
  return {
    id: sub.id,
    subscription_id: sub.id,
    type: sub.type,
    pattern: sub.pattern,
    streams: sub.links.map((l) => ({ path: l.path, link_type: l.link_type, acked_offset: formatOffset(l.acked_offset) })),
    webhook:
      sub.webhookUrl === null
        ? null
        : { url: sub.webhookUrl, signing: { alg: "ed25519", kid, jwks_url: `${origin}/ds/${root}__ds/jwks.json` } },
    wake_stream: sub.wakeStream,
    lease_ttl_ms: sub.leaseTtlMs,
    created_at: new Date(sub.createdAt).toISOString(),
    status: "active",
    description: sub.description,
  };
}

/** Most existing streams a new pattern subscription links when it is created. */
const MAX_BACKFILL = 1_000;

/** Links the existing streams under the root that the pattern matches, at their current tails. */
async function backfill(store: StreamStore, root: string, id: string, pattern: string): Promise<void> {
  const prefix = await store.topicName(root);
  const paths = (await store.topicNames(prefix))
    .map(streamForTopic)
    .filter((p): p is string => p !== undefined && p.startsWith(root) && globMatch(pattern, p.slice(root.length)))
    .slice(0, MAX_BACKFILL);
  const streams: Array<{ path: string; tail: number }> = [];
  for (const path of paths) {
    const head = await store
      .call<DsReadOk>(path, (t) => ({
        op: "read",
        topic: t.name,
        partition: 0,
        epoch: t.epoch,
        path,
        offset: "now",
        maxBytes: 1,
        waitMs: 0,
        touch: false,
      }))
      .catch(() => undefined);
    if (head) streams.push({ path: path.slice(root.length), tail: head.stream.next });
  }
  if (streams.length > 0) await store.subs({ action: "link", root, id, streams });
}

function bearer(c: Context): string {
  const m = /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "");
  if (!m) throw new BrokerError("unauthorized", "expected the wake's token as Authorization: Bearer <token>");
  return m[1]!;
}

function wakeRef(body: Record<string, unknown>): { wakeId: string; generation: number } {
  if (typeof body.wake_id !== "string" || !Number.isSafeInteger(body.generation))
    throw new BrokerError("bad_request", "wake_id and generation are required");
  return { wakeId: body.wake_id, generation: body.generation as number };
}

export async function subscriptionRoute(
  c: Context,
  store: StreamStore,
  wakes: Wakes,
  root: string,
  rest: string[],
  site: Site,
): Promise<Response> {
  const method = c.req.method;
  const scope = `topic:${await store.topicName(root === "" ? "" : root)}`;
  if (rest.length === 1 && rest[0] === "jwks.json" && method === "GET") {
    c.header("cache-control", "public, max-age=300");
    return c.body(JSON.stringify(publicJwks(await store.signingKey())), 200, { "content-type": "application/jwk-set+json" });
  }
  if (rest[0] !== "subscriptions" || rest.length < 2 || !ID.test(rest[1]!))
    throw new BrokerError("not_found", "no such Durable Streams control API");
  const id = rest[1]!;
  const action = rest.slice(2);
  const run = async (call: Parameters<StreamStore["subs"]>[0]) => store.subs(call);

  if (action.length === 0) {
    if (method === "PUT") {
      requireGrant(c, "admin", scope);
      const parsed = config(await jsonBody(c), site.allowLoopback);
      if (typeof parsed === "string") {
        const rejected = parsed.startsWith("WEBHOOK_URL_REJECTED:");
        return c.json(
          { error: { code: rejected ? "WEBHOOK_URL_REJECTED" : "INVALID_REQUEST", message: rejected ? parsed.slice(21) : parsed } },
          400,
        );
      }
      if (parsed.type === "webhook" && site.publicUrl === undefined) {
        // A webhook hands the receiver a callback URL; without a configured base URL there is none to give.
        throw new BrokerError(
          "not_configured",
          "webhook subscriptions need EDGEBROKER_PUBLIC_URL (the broker's public base URL, e.g. https://broker.example.com) to build their callback URLs; set it, or use a pull-wake subscription",
        );
      }
      const result = await run({ action: "put", root, id, config: parsed });
      if (!result.ok) return refused(c, result);
      wakes.created();
      if (result.created && parsed.pattern !== null) await backfill(store, root, id, parsed.pattern);
      return answer(c, result.created ? 201 : 200, render(site, root, result.sub!, (await store.signingKey()).kid));
    }
    if (method === "GET") {
      requireGrant(c, "consume", scope);
      const result = await run({ action: "get", root, id });
      return result.ok ? answer(c, 200, render(site, root, result.sub!, (await store.signingKey()).kid)) : refused(c, result);
    }
    if (method === "DELETE") {
      requireGrant(c, "admin", scope);
      const result = await run({ action: "delete", root, id });
      return result.ok ? answer(c, 204) : refused(c, result);
    }
  }
  if (action[0] === "streams") {
    requireGrant(c, "admin", scope);
    if (method === "POST" && action.length === 1) {
      const streams = (await jsonBody(c)).streams;
      if (!Array.isArray(streams) || streams.some((s) => typeof s !== "string" || s === ""))
        throw new BrokerError("bad_request", "streams: expected an array of stream paths");
      const result = await run({ action: "add-streams", root, id, streams: streams as string[] });
      return result.ok ? answer(c, 204) : refused(c, result);
    }
    if (method === "DELETE" && action.length > 1) {
      const result = await run({ action: "remove-stream", root, id, stream: action.slice(1).join("/") });
      return result.ok ? answer(c, 204) : refused(c, result);
    }
  }
  if (method === "POST" && action.length === 1) {
    if (action[0] === "callback" || action[0] === "ack") {
      const token = bearer(c);
      const body = await jsonBody(c);
      const acks = Array.isArray(body.acks) ? body.acks : [];
      const parsedAcks = acks.map((a: { stream?: unknown; offset?: unknown }) => {
        const offset = typeof a?.offset === "string" ? parseOffset(a.offset) : undefined;
        if (typeof a?.stream !== "string" || offset === undefined || offset === "now")
          throw new BrokerError("bad_request", "acks: expected [{stream, offset}] with offsets of this server");
        return { stream: a.stream, offset };
      });
      const result = await run({ action: "ack", root, id, token, ...wakeRef(body), acks: parsedAcks, done: body.done === true });
      if (!result.ok) return refused(c, result);
      if (result.wakes?.length) await wakes.deliver(result.wakes);
      return answer(c, 200, { ok: true, next_wake: result.nextWake === true });
    }
    if (action[0] === "claim") {
      requireGrant(c, "consume", scope);
      const worker = (await jsonBody(c)).worker;
      if (typeof worker !== "string" || worker === "") throw new BrokerError("bad_request", "worker: expected the claiming worker's name");
      const result = await run({ action: "claim", root, id, worker });
      if (!result.ok) return refused(c, result);
      if (!result.claimed) return answer(c, 204);
      const w = result.claimed;
      return answer(c, 200, { subscription_id: id, wake_id: w.wakeId, generation: w.generation, token: w.token, streams: wakeStreams(w) });
    }
    if (action[0] === "release") {
      const token = bearer(c);
      const result = await run({ action: "release", root, id, token, ...wakeRef(await jsonBody(c)) });
      return result.ok ? answer(c, 204) : refused(c, result);
    }
  }
  throw new BrokerError("not_found", `no Durable Streams control API at ${method} ${new URL(c.req.url).pathname}`);
}
