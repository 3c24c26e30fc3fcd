// WebSocket tails on the standalone hosts (Node, Bun, Deno): the same protocol, flow control and
// close codes as on Cloudflare (src/core/tails/tail-hub.ts), with the sockets held in this process
// instead of hibernated by a Durable Object. The runtime brings its WebSocket server through
// Hono's upgrade helper (hono/bun, hono/deno, @hono/node-server) and tells this registry when a
// partition committed or was dropped; nothing here knows which runtime it is on.
import type { Context } from "hono";
import type { UpgradeWebSocket, WSEvents } from "hono/ws";
import { BrokerError } from "../../core/errors.ts";
import type { PartitionApi } from "../../core/log/partition-types.ts";
import { TAIL_CLOSE, TailHub, type TailSocket, type TailState } from "../../core/tails/tail-hub.ts";
import { jsonRecord } from "../log/record-view.ts";

/** What a tail needs of a connected socket (Hono's WSContext has it). */
export interface LocalSocket {
  send(message: string): void;
  close(code?: number, reason?: string): void;
}

interface Partition {
  hub: TailHub;
  tails: Set<LocalTail>;
}

/** One subscriber: its state lives here while the socket is open; a closing socket has none. */
class LocalTail implements TailSocket {
  private current: TailState | undefined;
  private readonly socket: LocalSocket;
  private readonly onClose: (tail: LocalTail) => void;

  constructor(socket: LocalSocket, state: TailState, onClose: (tail: LocalTail) => void) {
    this.socket = socket;
    this.current = state;
    this.onClose = onClose;
  }

  send(message: string): void {
    if (this.current) this.socket.send(message);
  }

  close(code: number, reason: string): void {
    if (!this.current) return;
    this.current = undefined;
    this.onClose(this);
    try {
      this.socket.close(code, reason);
    } catch {
      // Already closed by the peer.
    }
  }

  state(): TailState | undefined {
    return this.current;
  }

  save(state: TailState): void {
    if (this.current) this.current = state;
  }

  /** The peer closed: forget the subscriber without sending anything. */
  gone(): void {
    if (!this.current) return;
    this.current = undefined;
    this.onClose(this);
  }
}

export class LocalTails {
  private readonly partitions = new Map<string, Partition>();
  private readonly partition: (topic: string, partition: number) => PartitionApi;

  private readonly checkCredential: ((key: string, secret: string) => Promise<boolean>) | undefined;
  private readonly credentialCheckMs: number | undefined;

  /** `checkCredential`: the key object's check() (no quota charge), asked before pushes to a key's tail. */
  constructor(
    partition: (topic: string, partition: number) => PartitionApi,
    options: { checkCredential?: (key: string, secret: string) => Promise<boolean>; credentialCheckMs?: number } = {},
  ) {
    this.partition = partition;
    this.checkCredential = options.checkCredential;
    this.credentialCheckMs = options.credentialCheckMs;
  }

  /** Subscribers right now, over every partition (for tests and shutdown). */
  get size(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.tails.size;
    return n;
  }

  /** Subscribers right now by topic (the standalone hosts' `edgebroker_tail_subscribers{transport="websocket"}`). */
  byTopic(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [name, p] of this.partitions) {
      const topic = name.slice(0, name.lastIndexOf("/"));
      counts.set(topic, (counts.get(topic) ?? 0) + p.tails.size);
    }
    return counts;
  }

  /**
   * Upgrades the request and subscribes the socket from `state` (an authorized request whose start
   * offset the route already checked). `upgrade` is the runtime's Hono helper.
   */
  async upgrade(c: Context, upgrade: UpgradeWebSocket, state: TailState): Promise<Response> {
    let tail: LocalTail | undefined;
    const events: WSEvents = {
      onOpen: (_event, ws) => {
        tail = this.open(ws, state);
      },
      onMessage: (event) => {
        if (!tail) return;
        if (typeof event.data !== "string") {
          tail.close(1003, "expected JSON text messages");
          return;
        }
        void this.entry(tail.state())
          ?.hub.message(tail, event.data)
          .catch((err) => console.error("edgebroker: WebSocket tail failed", err));
      },
      onClose: () => tail?.gone(),
      onError: () => tail?.gone(),
    };
    // A request the runtime cannot upgrade (no Sec-WebSocket-Key, an odd Upgrade header) is the
    // client's mistake, not a 500.
    let res: Response | undefined;
    try {
      res = await upgrade(c, events);
    } catch (err) {
      throw new BrokerError("bad_request", `not a valid WebSocket upgrade request: ${(err as Error).message}`);
    }
    if (!res)
      throw new BrokerError("bad_request", "not a valid WebSocket upgrade request: send Upgrade: websocket with the handshake headers");
    return res;
  }

  /** After a group commit of `name` ("topic/partition"): subscribers get what they have room for. */
  committed(name: string): void {
    const p = this.partitions.get(name);
    if (p) void p.hub.pushAll().catch((err) => console.error("edgebroker: WebSocket tail push failed", err));
  }

  /** The partition's topic was deleted: its subscribers of that incarnation or older hear the end. */
  dropped(name: string, epoch: number): void {
    this.partitions.get(name)?.hub.end(epoch);
  }

  /** Shutdown: every subscriber is told to come back later (1001 Going Away). */
  closeAll(): void {
    for (const p of [...this.partitions.values()]) {
      for (const tail of [...p.tails]) tail.close(1001, "server shutting down; reconnect with the offset after the last record received");
    }
  }

  private open(socket: LocalSocket, state: TailState): LocalTail {
    const name = `${state.topic}/${state.partition}`;
    let p = this.partitions.get(name);
    if (!p) {
      const tails = new Set<LocalTail>();
      const hub = new TailHub({
        read: (req) => this.partition(req.topic, req.partition).read(req),
        sockets: () => [...tails],
        render: (r) => jsonRecord(r),
        checkCredential: this.checkCredential,
        credentialCheckMs: this.credentialCheckMs,
      });
      p = { hub, tails };
      this.partitions.set(name, p);
    }
    const entry = p;
    const tail = new LocalTail(socket, state, (t) => {
      entry.tails.delete(t);
      if (entry.tails.size === 0 && this.partitions.get(name) === entry) this.partitions.delete(name);
    });
    entry.tails.add(tail);
    void entry.hub.subscribed(tail).catch((err) => {
      console.error("edgebroker: WebSocket tail failed", err);
      tail.close(TAIL_CLOSE.internal, "internal error; reconnect with the offset after the last record received");
    });
    return tail;
  }

  private entry(state: TailState | undefined): Partition | undefined {
    return state ? this.partitions.get(`${state.topic}/${state.partition}`) : undefined;
  }
}
