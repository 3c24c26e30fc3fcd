// Durable Streams subscriptions (PROTOCOL.md 6-7): durable cursors over the streams under a stream
// root that wake a worker by webhook or through a pull-wake stream. All subscriptions of the
// broker live in one object, the subscriptions object (SubscriptionService, subscription-service.ts);
// this class is its state machine. Side effects (the webhook POST, the append to a wake stream) are
// returned as actions for the HTTP layer to carry out, so the object never waits on a network call.
import { DS_SUBSCRIPTION_TABLES } from "./schema.ts";
import { globMatch } from "./glob.ts";
import type { StoragePort } from "../storage-port.ts";

/**
 * Where subscriptions lived before they had an object kind of their own: the partition object
 * "__ds_subscriptions/0". It now only answers the subscriptions object's one-time `export`
 * (SubscriptionService), then its storage is deleted.
 */
export const SUBSCRIPTIONS_OBJECT = "__ds_subscriptions";

export interface SubConfig {
  type: "webhook" | "pull-wake";
  pattern: string | null;
  streams: string[];
  webhookUrl: string | null;
  wakeStream: string | null;
  leaseTtlMs: number;
  description: string | null;
}

interface Link {
  glob: boolean;
  explicit: boolean;
  acked: number;
  tail: number;
}

interface Wake {
  id: string;
  generation: number;
  token: string;
  streams: Record<string, number>;
  holder: string | null;
  leaseUntil: number;
}

interface Sub extends SubConfig {
  root: string;
  id: string;
  createdAt: number;
  links: Record<string, Link>;
  generation: number;
  wake: Wake | null;
}

export interface SubStreamView {
  path: string;
  link_type: "glob" | "explicit";
  acked_offset: number;
  tail_offset: number;
}
export interface SubView extends SubConfig {
  root: string;
  id: string;
  createdAt: number;
  links: SubStreamView[];
}

export interface WakeNotice {
  subscriptionId: string;
  root: string;
  wakeId: string;
  generation: number;
  token: string;
  streams: Array<{ path: string; tail: number; acked: number }>;
  webhookUrl: string | null;
  wakeStream: string | null;
}

export type SubCall =
  | { action: "any" }
  | { action: "put"; root: string; id: string; config: SubConfig }
  | { action: "get"; root: string; id: string }
  | { action: "delete"; root: string; id: string }
  | { action: "add-streams"; root: string; id: string; streams: string[] }
  | { action: "remove-stream"; root: string; id: string; stream: string }
  | { action: "appended"; path: string; from: number; tail: number }
  | {
      action: "ack";
      root: string;
      id: string;
      token: string;
      wakeId: string;
      generation: number;
      acks: Array<{ stream: string; offset: number }>;
      done: boolean;
    }
  | { action: "claim"; root: string; id: string; worker: string }
  | { action: "release"; root: string; id: string; token: string; wakeId: string; generation: number }
  | { action: "link"; root: string; id: string; streams: Array<{ path: string; tail: number }> }
  | { action: "signing-key" }
  /** Every stored row, for the move out of the partition object (SubscriptionService). */
  | { action: "export" }
  /** After the export: the tables go (PartitionService deletes the whole object instead when it never held a topic). */
  | { action: "retire" };

/** The rows of both tables, as stored. */
export interface SubExport {
  subscriptions: Array<{ root: string; id: string; value: string }>;
  signing: Array<{ kid: string; value: string }>;
}

export type SubResult =
  | {
      ok: true;
      any?: boolean;
      created?: boolean;
      sub?: SubView;
      wakes?: WakeNotice[];
      nextWake?: boolean;
      claimed?: WakeNotice | null;
      key?: SigningKey;
      exported?: SubExport;
    }
  | { ok: false; status: number; code: string; message: string; currentHolder?: string };

export interface SigningKey {
  kid: string;
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
}

const random = () => [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
const no = (status: number, code: string, message: string): SubResult => ({ ok: false, status, code, message });

function sameConfig(a: SubConfig, b: SubConfig): boolean {
  const norm = (c: SubConfig) =>
    JSON.stringify([c.type, c.pattern, [...new Set(c.streams)].sort(), c.webhookUrl, c.wakeStream, c.leaseTtlMs, c.description]);
  return norm(a) === norm(b);
}

export class DsSubscriptions {
  private readonly storage: StoragePort;
  private readonly now: () => number;

  constructor(storage: StoragePort, now: () => number) {
    this.storage = storage;
    this.now = now;
    for (const table of DS_SUBSCRIPTION_TABLES) storage.sql.exec(table);
  }

  private load(root: string, id: string): Sub | undefined {
    const row = this.storage.sql
      .exec<{ value: string }>("SELECT value FROM ds_subscription WHERE root = ? AND id = ?", root, id)
      .toArray()[0];
    return row ? (JSON.parse(row.value) as Sub) : undefined;
  }

  private save(sub: Sub): void {
    this.storage.sql.exec(
      "INSERT OR REPLACE INTO ds_subscription (root, id, value) VALUES (?, ?, ?)",
      sub.root,
      sub.id,
      JSON.stringify(sub),
    );
  }

  private all(): Sub[] {
    return this.storage.sql
      .exec<{ value: string }>("SELECT value FROM ds_subscription")
      .toArray()
      .map((r) => JSON.parse(r.value) as Sub);
  }

  private view(sub: Sub): SubView {
    const { links, wake: _w, generation: _g, ...rest } = sub;
    const streams = Object.entries(links).map(([path, l]) => ({
      path,
      link_type: l.explicit ? ("explicit" as const) : ("glob" as const),
      acked_offset: l.acked,
      tail_offset: l.tail,
    }));
    return { ...rest, links: streams };
  }

  async handle(call: SubCall): Promise<SubResult> {
    switch (call.action) {
      case "any":
        return { ok: true, any: this.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM ds_subscription").one().n > 0 };
      case "put":
        return this.put(call.root, call.id, call.config);
      case "get": {
        const sub = this.load(call.root, call.id);
        return sub ? { ok: true, sub: this.view(sub) } : no(404, "SUBSCRIPTION_NOT_FOUND", `subscription "${call.id}" does not exist`);
      }
      case "delete": {
        if (!this.load(call.root, call.id)) return no(404, "SUBSCRIPTION_NOT_FOUND", `subscription "${call.id}" does not exist`);
        this.storage.sql.exec("DELETE FROM ds_subscription WHERE root = ? AND id = ?", call.root, call.id);
        return { ok: true };
      }
      case "add-streams":
        return this.editStreams(call.root, call.id, call.streams, true);
      case "remove-stream":
        return this.editStreams(call.root, call.id, [call.stream], false);
      case "appended":
        return { ok: true, wakes: this.appended(call.path, call.from, call.tail) };
      case "ack":
        return this.ack(call);
      case "claim":
        return this.claim(call.root, call.id, call.worker);
      case "release":
        return this.release(call);
      case "link":
        return this.link(call.root, call.id, call.streams);
      case "signing-key":
        return { ok: true, key: await this.signingKey() };
      case "export":
        return { ok: true, exported: this.exportRows() };
      case "retire":
        for (const table of ["ds_subscription", "ds_signing"]) this.storage.sql.exec(`DROP TABLE IF EXISTS ${table}`);
        return { ok: true };
    }
  }

  private exportRows(): SubExport {
    const sql = this.storage.sql;
    return {
      subscriptions: sql.exec<{ root: string; id: string; value: string }>("SELECT root, id, value FROM ds_subscription").toArray(),
      signing: sql.exec<{ kid: string; value: string }>("SELECT kid, value FROM ds_signing").toArray(),
    };
  }

  /** Stores exported rows; rows already here win (the caller imports once, into an empty object). */
  importRows(rows: SubExport): void {
    const sql = this.storage.sql;
    for (const r of rows.subscriptions)
      sql.exec("INSERT OR IGNORE INTO ds_subscription (root, id, value) VALUES (?, ?, ?)", r.root, r.id, r.value);
    // One signing key per broker: the old one only where none was made here yet.
    const hasKey = sql.exec<{ n: number }>("SELECT count(*) AS n FROM ds_signing").one().n > 0;
    if (!hasKey) for (const r of rows.signing.slice(0, 1)) sql.exec("INSERT INTO ds_signing (kid, value) VALUES (?, ?)", r.kid, r.value);
  }

  private put(root: string, id: string, config: SubConfig): SubResult {
    const existing = this.load(root, id);
    if (existing) {
      if (!sameConfig(existing, config))
        return no(409, "SUBSCRIPTION_CONFLICT", `subscription "${id}" exists with a different configuration`);
      return { ok: true, created: false, sub: this.view(existing) };
    }
    const sub: Sub = { ...config, root, id, createdAt: this.now(), links: {}, generation: 0, wake: null };
    // Explicit streams are linked at their tail when first seen; until then at the start.
    for (const path of config.streams) sub.links[path] = { glob: false, explicit: true, acked: 0, tail: 0 };
    this.save(sub);
    return { ok: true, created: true, sub: this.view(sub) };
  }

  private editStreams(root: string, id: string, streams: string[], add: boolean): SubResult {
    const sub = this.load(root, id);
    if (!sub) return no(404, "SUBSCRIPTION_NOT_FOUND", `subscription "${id}" does not exist`);
    for (const path of streams) {
      const link = sub.links[path];
      if (add) sub.links[path] = link ? { ...link, explicit: true } : { glob: false, explicit: true, acked: 0, tail: 0 };
      else if (link) {
        if (link.glob) link.explicit = false;
        else delete sub.links[path];
      }
    }
    this.save(sub);
    return { ok: true };
  }

  /** Backfill: existing streams matching the pattern are linked at their tail (no replay). */
  private link(root: string, id: string, streams: Array<{ path: string; tail: number }>): SubResult {
    const sub = this.load(root, id);
    if (!sub) return no(404, "SUBSCRIPTION_NOT_FOUND", `subscription "${id}" does not exist`);
    for (const { path, tail } of streams) {
      const link = sub.links[path];
      if (link) link.glob = true;
      else sub.links[path] = { glob: true, explicit: false, acked: tail, tail };
    }
    this.save(sub);
    return { ok: true };
  }

  private pending(sub: Sub): boolean {
    return Object.values(sub.links).some((l) => l.tail > l.acked);
  }

  /**
   * Starts a wake when the subscription has unacknowledged data and none is under way. A webhook
   * wake whose lease ran out without a final callback (delivery failed, or the worker died) is
   * superseded: the next append wakes again with a new generation, fencing the old one.
   */
  private maybeWake(sub: Sub): WakeNotice | undefined {
    const now = this.now();
    const stale = sub.wake !== null && sub.webhookUrl !== null && sub.wake.leaseUntil <= now;
    if ((sub.wake && !stale) || !this.pending(sub)) return undefined;
    sub.generation += 1;
    const streams: Record<string, number> = {};
    for (const [path, l] of Object.entries(sub.links)) if (l.tail > l.acked) streams[path] = l.tail;
    const leaseUntil = sub.webhookUrl !== null ? now + sub.leaseTtlMs : 0;
    sub.wake = { id: random(), generation: sub.generation, token: random(), streams, holder: null, leaseUntil };
    return this.notice(sub, sub.wake);
  }

  private notice(sub: Sub, wake: Wake): WakeNotice {
    return {
      subscriptionId: sub.id,
      root: sub.root,
      wakeId: wake.id,
      generation: wake.generation,
      token: wake.token,
      streams: Object.entries(wake.streams).map(([path, tail]) => ({ path, tail, acked: sub.links[path]?.acked ?? 0 })),
      webhookUrl: sub.webhookUrl,
      wakeStream: sub.wakeStream,
    };
  }

  private appended(path: string, from: number, tail: number): WakeNotice[] {
    const wakes: WakeNotice[] = [];
    for (const sub of this.all()) {
      if (!path.startsWith(sub.root)) continue;
      const rel = path.slice(sub.root.length);
      // A wake stream never wakes its own subscription.
      if (rel === sub.wakeStream) continue;
      const glob = sub.pattern !== null && globMatch(sub.pattern, rel);
      const link = sub.links[rel];
      if (!glob && !link) continue;
      // A stream discovered by this append is linked before it, so the append itself is pending.
      sub.links[rel] = link ? { ...link, glob: link.glob || glob, tail } : { glob, explicit: false, acked: from, tail };
      const wake = this.maybeWake(sub);
      if (wake) wakes.push(wake);
      this.save(sub);
    }
    return wakes;
  }

  private ack(call: Extract<SubCall, { action: "ack" }>): SubResult {
    const sub = this.load(call.root, call.id);
    if (!sub) return no(404, "SUBSCRIPTION_NOT_FOUND", `subscription "${call.id}" does not exist`);
    const wake = sub.wake;
    if (!wake || wake.token !== call.token || wake.id !== call.wakeId || wake.generation !== call.generation) {
      return no(409, "FENCED", "this wake is over or was superseded by a newer generation");
    }
    for (const a of call.acks) {
      const link = sub.links[a.stream];
      if (link) link.acked = Math.min(link.tail, Math.max(link.acked, a.offset));
    }
    let wakes: WakeNotice[] = [];
    if (call.done) {
      sub.wake = null;
      const next = this.maybeWake(sub);
      if (next) wakes = [next];
    }
    this.save(sub);
    return { ok: true, nextWake: wakes.length > 0, wakes };
  }

  private claim(root: string, id: string, worker: string): SubResult {
    const sub = this.load(root, id);
    if (!sub) return no(404, "SUBSCRIPTION_NOT_FOUND", `subscription "${id}" does not exist`);
    const now = this.now();
    if (sub.wake?.holder && sub.wake.leaseUntil > now && sub.wake.holder !== worker) {
      return {
        ok: false,
        status: 409,
        code: "ALREADY_CLAIMED",
        message: `the wake is claimed by "${sub.wake.holder}"`,
        currentHolder: sub.wake.holder,
      };
    }
    if (!sub.wake) this.maybeWake(sub);
    if (!sub.wake) return { ok: true, claimed: null };
    // A new claim (or one after the lease ran out) fences the previous holder's token.
    if (sub.wake.holder !== worker || sub.wake.leaseUntil <= now) {
      sub.generation += 1;
      sub.wake = { ...sub.wake, generation: sub.generation, token: random() };
    }
    sub.wake.holder = worker;
    sub.wake.leaseUntil = now + sub.leaseTtlMs;
    this.save(sub);
    return { ok: true, claimed: this.notice(sub, sub.wake) };
  }

  private release(call: Extract<SubCall, { action: "release" }>): SubResult {
    const sub = this.load(call.root, call.id);
    if (!sub) return no(404, "SUBSCRIPTION_NOT_FOUND", `subscription "${call.id}" does not exist`);
    const wake = sub.wake;
    if (!wake || wake.token !== call.token || wake.id !== call.wakeId || wake.generation !== call.generation) {
      return no(409, "FENCED", "this wake is over or was superseded by a newer generation");
    }
    wake.holder = null;
    wake.leaseUntil = 0;
    this.save(sub);
    return { ok: true };
  }

  /** The broker's webhook signing key (Ed25519), made on first use and kept. */
  private async signingKey(): Promise<SigningKey> {
    const row = this.storage.sql.exec<{ value: string }>("SELECT value FROM ds_signing LIMIT 1").toArray()[0];
    if (row) return JSON.parse(row.value) as SigningKey;
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const key: SigningKey = {
      kid: `ds_${random().slice(0, 16)}`,
      privateJwk: (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey,
      publicJwk: (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey,
    };
    const again = this.storage.sql.exec<{ value: string }>("SELECT value FROM ds_signing LIMIT 1").toArray()[0];
    if (again) return JSON.parse(again.value) as SigningKey;
    this.storage.sql.exec("INSERT INTO ds_signing (kid, value) VALUES (?, ?)", key.kid, JSON.stringify(key));
    return key;
  }
}
