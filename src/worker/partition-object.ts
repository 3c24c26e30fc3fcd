// One Durable Object per partition, named "<topic>/<partition>": the portable PartitionService as a
// Durable Object (its RPC methods and its alarm, for maintenance; a drop deletes all of the
// object's storage), plus what only Cloudflare has — WebSocket tails accepted with the
// Hibernation API.
import { alarmNoLaterThan } from "../core/alarm-port.ts";
import { PartitionService } from "../core/log/partition-service.ts";
import { PartitionLog } from "../core/log/partition-log.ts";
import type { StoragePort } from "../core/storage-port.ts";
import { ERRORS } from "../core/errors.ts";
import { TAIL_KEY_HEADERS, TailHub, type TailSocket, type TailState } from "../core/tails/tail-hub.ts";
import { jsonRecord } from "../http/log/record-view.ts";
import { workerConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { loadLogCore } from "./log-core.ts";
import { metricsSink } from "./metrics-object.ts";
import { objectClass, type ObjectShell } from "./object-class.ts";
import { R2ObjectStore } from "./r2-object-store.ts";

/**
 * ctx.storage is the StoragePort the core was shaped after, except for `sync`: on Durable Objects
 * the output gate already holds every answer until the writes before it are durable, so the log
 * need not wait for that itself. Awaiting `storage.sync()` as well only delays the next group
 * commit (measured: ~5% fewer single-record appends per second and 1.5× the rows).
 */
function outputGatedStorage(storage: DurableObjectStorage): StoragePort {
  const sql = storage.sql as unknown as StoragePort["sql"];
  return { sql, transactionSync: (fn) => storage.transactionSync(fn), sync: () => Promise.resolve() };
}

/**
 * A hibernatable WebSocket as the tail hub sees it: its state is the serialized attachment, so it
 * survives the object's eviction while the socket stays open. A closing socket has no state.
 */
function tailSocket(ws: WebSocket): TailSocket {
  return {
    send: (message) => ws.send(message),
    close: (code, reason) => ws.close(code, reason),
    state: () => (ws.readyState === 1 ? ((ws.deserializeAttachment() as TailState | null) ?? undefined) : undefined),
    save: (state) => ws.serializeAttachment(state),
  };
}

/** WebSocket tails (src/core/tails/tail-hub.ts) of one partition; the sockets are the hibernatable ones of ctx. */
const hubs = new WeakMap<DurableObjectState, TailHub>();

function tailHub(ctx: DurableObjectState, env: Env, shell: ObjectShell<PartitionService>): TailHub {
  let hub = hubs.get(ctx);
  if (!hub) {
    hub = new TailHub({
      read: (req) => shell.object.read(req),
      sockets: () => ctx.getWebSockets().map(tailSocket),
      render: (r) => jsonRecord(r),
      // A tail opened with an API key: the key's object, asked again before pushes (no quota charge).
      checkCredential: (key, secret) => env.KEY.get(env.KEY.idFromName(key)).check(secret),
      credentialCheckMs: workerConfig(env).config.credentialCheckMs,
    });
    hubs.set(ctx, hub);
  }
  return hub;
}

export class PartitionObject extends objectClass(PartitionService, async (ctx, env, shell) => {
  const tails = tailHub(ctx, env, shell);
  const core = await loadLogCore();
  const service = new PartitionService(
    () =>
      PartitionLog.open(outputGatedStorage(ctx.storage), core, {
        ...workerConfig(env).options.partition,
        objectStore: env.TIERED ? new R2ObjectStore(env.TIERED) : undefined,
        alarms: alarmNoLaterThan(ctx.storage),
        onCommit: () => void tails.pushAll().catch((err) => console.error("edgebroker: WebSocket tail push failed", err)),
        // A dropped incarnation's sockets end with it.
        onDrop: (epoch) => tails.end(epoch),
        metrics: {
          sink: metricsSink(env),
          intervalMs: workerConfig(env).options.metricsIntervalMs,
          tailSubscribers: () => ctx.getWebSockets().length,
        },
      }),
    async () => {
      await ctx.storage.deleteAlarm();
      await ctx.storage.deleteAll();
    },
  );
  service.get();
  return service;
}) {
  /** The open log (opened if the partition was dropped): for maintenance and tests. */
  get log(): PartitionLog {
    return this.object.get() as PartitionLog;
  }

  private get tails(): TailHub {
    return tailHub(this.ctx, this.env, this);
  }

  /**
   * A WebSocket tail, forwarded by the Worker after it authorized the caller (src/http/tails/ws.ts):
   * the URL carries the partition address, the start offset and the flow-control settings. The
   * socket is accepted with the Hibernation API, so between commits it costs nothing.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ error: { code: "bad_request", message: "expected a WebSocket upgrade" } }, { status: 426 });
    }
    const q = new URL(request.url).searchParams;
    const num = (name: string) => Number(q.get(name));
    const addr = { topic: q.get("topic") ?? "", partition: num("partition"), epoch: num("epoch") };
    // Resolves earliest/latest and refuses an offset outside the log before the upgrade.
    const check = await this.object.read({ ...addr, offset: num("offset"), maxRecords: 1, maxBytes: 1, waitMs: 0 });
    if (!check.ok) return Response.json({ error: check.error }, { status: ERRORS[check.error.code].status });
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    const keyId = request.headers.get(TAIL_KEY_HEADERS.id);
    const secret = request.headers.get(TAIL_KEY_HEADERS.secret);
    const state: TailState = {
      ...addr,
      next: check.offset,
      acked: check.offset,
      window: num("max_unacked"),
      ackTimeoutMs: num("ack_timeout_ms"),
      stalledSince: null,
      credential: keyId && secret ? { key: keyId, secret, checkedAt: Date.now() } : undefined,
      ...(q.get("isolation") === "read_committed" ? { isolation: "read_committed" as const } : {}),
    };
    server.serializeAttachment(state);
    await this.tails.subscribed(tailSocket(server));
    this.object.current()?.metricsChanged();
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string") {
      ws.close(1003, "expected JSON text messages");
      return;
    }
    await this.tails.message(tailSocket(ws), message);
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    this.object.current()?.metricsChanged();
    try {
      ws.close(code, reason); // completes the closing handshake (older compatibility dates)
    } catch {
      // Already closed, or a code that may not be sent (1005/1006).
    }
  }
}
