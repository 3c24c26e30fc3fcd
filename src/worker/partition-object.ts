// One Durable Object per partition, named "<topic>/<partition>". Thin: it owns the storage and
// hands every call to the portable PartitionLog.
import { DurableObject } from "cloudflare:workers";
import { alarmNoLaterThan } from "../core/alarm-port.ts";
import { PartitionLog } from "../core/partition-log.ts";
import type {
  AppendRequest, AppendResult, PartitionAddress, ReadRequest, ReadResult, StatsResult,
} from "../core/partition-types.ts";
import type { Failure } from "../core/errors.ts";
import type { DsRequest, DsResult, SubResult } from "../core/ds-types.ts";
import type { StoragePort } from "../core/storage-port.ts";
import type { TopicConfig } from "../core/topic-config.ts";
import { ERRORS, type Failure as LogFailure } from "../core/errors.ts";
import { PartitionHolder } from "../core/partition-holder.ts";
import { credentialCheckMs } from "../core/credential-check.ts";
import type { KeyApi } from "../core/key-store.ts";
import { TAIL_KEY_HEADERS, TailHub, type TailSocket, type TailState } from "../core/tail-hub.ts";
import { jsonRecord } from "../http/record-view.ts";
import type { Env } from "./env.ts";
import { loadLogCore } from "./log-core.ts";

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

export class PartitionObject extends DurableObject<Env> {
  /** The log, given up with all of the object's storage when its topic is deleted. */
  private holder!: PartitionHolder;
  /** WebSocket tails (src/core/tail-hub.ts); the sockets are the hibernatable ones of ctx. */
  private readonly tails: TailHub;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.tails = new TailHub({
      read: (req) => this.read(req),
      sockets: () => ctx.getWebSockets().map(tailSocket),
      render: (r) => jsonRecord(r),
      // A tail opened with an API key: the key's object, asked again before pushes (no quota charge).
      checkCredential: (key, secret) => (env.KEY.get(env.KEY.idFromName(key)) as unknown as KeyApi).check(secret),
      credentialCheckMs: credentialCheckMs(env.EDGEBROKER_CREDENTIAL_CHECK_MS),
    });
    void ctx.blockConcurrencyWhile(async () => {
      const expiration = Number(env.EDGEBROKER_PRODUCER_EXPIRATION_MS ?? "");
      const core = await loadLogCore();
      this.holder = new PartitionHolder(
        () =>
          PartitionLog.open(outputGatedStorage(ctx.storage), core, {
            producerExpirationMs: Number.isSafeInteger(expiration) && expiration > 0 ? expiration : undefined,
            alarms: alarmNoLaterThan(ctx.storage),
            onCommit: () => void this.tails.pushAll().catch((err) => console.error("edgebroker: WebSocket tail push failed", err)),
          }),
        async () => {
          await ctx.storage.deleteAlarm();
          await ctx.storage.deleteAll();
        },
      );
      this.holder.get();
    });
  }

  /** The open log (opened if the partition was dropped): for maintenance and tests. */
  get log(): PartitionLog {
    return this.holder.get() as PartitionLog;
  }

  /** `fn` on the open log, or topic_not_found for a call of a dropped incarnation. */
  private call<T>(addr: PartitionAddress, fn: (log: PartitionLog) => T): T | LogFailure {
    const log = this.holder.get(addr);
    return "ok" in log ? log : fn(log);
  }

  append(req: AppendRequest): Promise<AppendResult> {
    return Promise.resolve(this.call(req, (log) => log.append(req)));
  }

  read(req: ReadRequest): Promise<ReadResult> {
    return Promise.resolve(this.call(req, (log) => log.read(req)));
  }

  stats(addr: PartitionAddress): StatsResult {
    return this.call(addr, (log) => log.stats(addr));
  }

  async drop(addr: PartitionAddress): Promise<{ ok: true }> {
    const done = await this.holder.drop(addr);
    this.tails.end(addr.epoch);
    return done;
  }

  configure(addr: PartitionAddress, config: TopicConfig): { ok: true } | Failure {
    return this.call(addr, (log) => log.configure(addr, config));
  }

  deleteRecords(addr: PartitionAddress, before: number): { ok: true; start_offset: number } | Failure {
    return this.call(addr, (log) => log.deleteRecords(addr, before));
  }

  offsetForTimestamp(addr: PartitionAddress, timestamp: number): { ok: true; offset: number; timestamp: number | null } | Failure {
    return this.call(addr, (log) => log.offsetForTimestamp(addr, timestamp));
  }

  ds(req: DsRequest): Promise<DsResult | SubResult> {
    // Subscription calls address no incarnation; stream calls carry their topic's epoch.
    const addr = "epoch" in req && typeof req.epoch === "number" && "topic" in req ? (req as unknown as PartitionAddress) : undefined;
    const log = this.holder.get(addr);
    return "ok" in log ? Promise.resolve(log as unknown as DsResult) : log.ds(req);
  }

  /**
   * A WebSocket tail, forwarded by the Worker after it authorized the caller (routes/tail-ws.ts):
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
    const check = await this.read({ ...addr, offset: num("offset"), maxRecords: 1, maxBytes: 1, waitMs: 0 });
    if (!check.ok) return Response.json({ error: check.error }, { status: ERRORS[check.error.code].status });
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    const keyId = request.headers.get(TAIL_KEY_HEADERS.id);
    const secret = request.headers.get(TAIL_KEY_HEADERS.secret);
    const state: TailState = {
      ...addr, next: check.offset, acked: check.offset, window: num("max_unacked"), ackTimeoutMs: num("ack_timeout_ms"), stalledSince: null,
      credential: keyId && secret ? { key: keyId, secret, checkedAt: Date.now() } : undefined,
    };
    server.serializeAttachment(state);
    await this.tails.subscribed(tailSocket(server));
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
    try {
      ws.close(code, reason); // completes the closing handshake (older compatibility dates)
    } catch {
      // Already closed, or a code that may not be sent (1005/1006).
    }
  }

  /** Background maintenance: retention and merging small rows (see PartitionLog.maintain). */
  override alarm(): void {
    this.holder.current()?.alarm();
  }
}
