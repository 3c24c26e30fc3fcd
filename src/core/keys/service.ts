// One API key, held by its own object (named by the key id) so that verifying a key and charging
// its quotas scales with the number of keys, revocation takes effect at once everywhere, and the
// quota counters are exact per key whichever Worker instance a request lands on.
//
// The secret is stored only as SHA-256(salt ‖ secret) with a random per-key salt; comparison is
// constant-time. The row is read once when the object starts; a verification costs one hash.
//
// Anyone can name a key id in a bearer token, so the object of an id that was never created must
// cost nothing and tell nothing: it never writes (its table is created by `create` only, so on
// Cloudflare and on the standalone hosts such an object has no storage at all), and it answers
// after the same work as a wrong secret for a real key — one hash against a dummy salt and two
// constant-time comparisons — so the time taken does not say whether the id exists.
import { API_KEY_TABLE } from "./schema.ts";
import type { Serves } from "../object-api.ts";
import { constantTimeEqual } from "./constant-time.ts";
import { fail, type Failure } from "../errors.ts";
import type { Grant } from "./grants.ts";
import type { StoragePort } from "../storage-port.ts";
import { TokenBucket } from "./token-bucket.ts";

export interface Quotas {
  requests_per_second?: number;
  bytes_per_second?: number;
}

export interface KeyInfo {
  id: string;
  name: string;
  grants: Grant[];
  quotas: Quotas;
  created_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
}

/** `metered`: the key has a byte quota, so bodies of undeclared length are counted (meter()). */
export type VerifyResult = { ok: true; key: Pick<KeyInfo, "id" | "name" | "grants">; metered: boolean } | Failure;

interface KeyRow extends Record<string, string | number | null> {
  id: string;
  name: string;
  grants: string;
  quotas: string;
  salt: string;
  hash: string;
  previous_hash: string | null;
  previous_until: number | null;
  created_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
}

const utf8 = new TextEncoder();

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** SHA-256(salt ‖ ":" ‖ secret); injectable so tests can count the hashes each path computes. */
export type SecretHasher = (salt: string, secret: string) => Promise<Uint8Array>;

export const sha256Hasher: SecretHasher = async (salt, secret) =>
  new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(`${salt}:${secret}`)));

// Compared against when the id is unknown or revoked: the same shape as a stored key's salt/hash.
const DUMMY_SALT = "0".repeat(32);
const DUMMY_HASH = "0".repeat(64);

function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const UNAUTHORIZED = fail("unauthorized", "the bearer token is not valid");

export class KeyService implements Serves<KeyApi> {
  private readonly storage: StoragePort;
  private readonly now: () => number;
  private row: KeyRow | undefined;
  private requests: TokenBucket | undefined;
  private bytes: TokenBucket | undefined;
  private readonly digest: SecretHasher;

  constructor(storage: StoragePort, now: () => number = Date.now, digest: SecretHasher = sha256Hasher) {
    this.storage = storage;
    this.now = now;
    this.digest = digest;
    // Reading the schema writes nothing: an object whose id was never created stays without storage.
    const exists = storage.sql.exec("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'api_key'").toArray().length > 0;
    this.row = exists ? storage.sql.exec<KeyRow>("SELECT * FROM api_key").toArray()[0] : undefined;
    this.resetBuckets();
  }

  private resetBuckets(): void {
    const quotas = this.row ? (JSON.parse(this.row.quotas) as Quotas) : {};
    const now = this.now();
    this.requests = quotas.requests_per_second ? new TokenBucket(quotas.requests_per_second, now) : undefined;
    this.bytes = quotas.bytes_per_second ? new TokenBucket(quotas.bytes_per_second, now) : undefined;
  }

  info(): KeyInfo | undefined {
    const r = this.row;
    if (!r) return undefined;
    return {
      id: r.id,
      name: r.name,
      grants: JSON.parse(r.grants),
      quotas: JSON.parse(r.quotas),
      created_at: r.created_at,
      rotated_at: r.rotated_at,
      revoked_at: r.revoked_at,
    };
  }

  async create(key: { id: string; name: string; grants: Grant[]; quotas: Quotas; secret: string }): Promise<{ ok: true } | Failure> {
    if (this.row) return fail("bad_request", `key ${key.id} already exists`);
    const salt = hex(crypto.getRandomValues(new Uint8Array(16)));
    const hash = hex(await this.digest(salt, key.secret));
    const created = this.now();
    this.storage.sql.exec(API_KEY_TABLE);
    this.storage.sql.exec(
      "INSERT INTO api_key (id, name, grants, quotas, salt, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      key.id,
      key.name,
      JSON.stringify(key.grants),
      JSON.stringify(key.quotas),
      salt,
      hash,
      created,
    );
    this.row = this.storage.sql.exec<KeyRow>("SELECT * FROM api_key").one();
    this.resetBuckets();
    return { ok: true };
  }

  /**
   * Checks the secret and charges the request against the key's quotas: one request, and
   * `bytes` of request body. Over quota → rate_limited with how long to wait.
   */
  async verify(secret: string, bytes: number): Promise<VerifyResult> {
    const r = this.row;
    if (!(await this.opens(r, secret)) || !r) return UNAUTHORIZED;
    const now = this.now();
    const wait = Math.max(this.requests?.take(1, now) ?? 0, this.bytes?.take(bytes, now) ?? 0);
    if (wait > 0) {
      return fail("rate_limited", `key ${r.id} is over its quota; retry in ${wait} ms`, { retry_after_ms: wait });
    }
    return { ok: true, key: { id: r.id, name: r.name, grants: JSON.parse(r.grants) }, metered: this.bytes !== undefined };
  }

  /**
   * Bytes of a request body that declared no length, counted as it was read (src/http/body-meter.ts):
   * charged like a Content-Length at verify — refused while the key is over its byte quota.
   */
  meter(bytes: number): { ok: true } | Failure {
    const r = this.row;
    const wait = this.bytes?.take(bytes, this.now()) ?? 0;
    if (r && wait > 0) return fail("rate_limited", `key ${r.id} is over its quota; retry in ${wait} ms`, { retry_after_ms: wait });
    return { ok: true };
  }

  /**
   * Whether `secret` still opens the key, charging nothing: streams that outlive their request
   * re-ask, so a revocation (or a rotation past its grace period) also ends them.
   */
  async check(secret: string): Promise<boolean> {
    return this.opens(this.row, secret);
  }

  /**
   * Not revoked, and the secret is the current one or the previous one within its grace period.
   * Every path — unknown id, revoked key, wrong secret, right secret — computes one hash and two
   * full comparisons, so none of them answers measurably sooner than another.
   */
  private async opens(r: KeyRow | undefined, secret: string): Promise<boolean> {
    const live = r !== undefined && r.revoked_at === null;
    const presented = await this.digest(r?.salt ?? DUMMY_SALT, secret);
    const current = constantTimeEqual(fromHex(r?.hash ?? DUMMY_HASH), presented);
    const inGrace = r?.previous_hash != null && (r.previous_until ?? 0) > this.now();
    const previous = constantTimeEqual(fromHex(inGrace ? r!.previous_hash! : DUMMY_HASH), presented);
    return live && (current || (inGrace && previous));
  }

  /** Bytes served to the key (fetches), charged after the answer. */
  charge(bytes: number): void {
    this.bytes?.charge(bytes, this.now());
  }

  /** A new secret; the old one keeps working for `graceMs` (0: stops at once). */
  async rotate(secret: string, graceMs: number): Promise<{ ok: true; rotated_at: number } | Failure> {
    const r = this.row;
    if (!r || r.revoked_at !== null) return fail("key_not_found", "no such key (or it was revoked)");
    const hash = hex(await this.digest(r.salt, secret));
    const now = this.now();
    this.storage.sql.exec(
      "UPDATE api_key SET hash = ?, previous_hash = ?, previous_until = ?, rotated_at = ?",
      hash,
      graceMs > 0 ? r.hash : null,
      graceMs > 0 ? now + graceMs : null,
      now,
    );
    this.row = this.storage.sql.exec<KeyRow>("SELECT * FROM api_key").one();
    return { ok: true, rotated_at: now };
  }

  revoke(): { ok: true } | Failure {
    if (!this.row) return fail("key_not_found", "no such key");
    const now = this.now();
    this.storage.sql.exec("UPDATE api_key SET revoked_at = coalesce(revoked_at, ?)", now);
    this.row = this.storage.sql.exec<KeyRow>("SELECT * FROM api_key").one();
    return { ok: true };
  }
}

/** What the HTTP layer needs from a key's object, whether a Durable Object stub or a local actor. */
export interface KeyApi {
  create(key: { id: string; name: string; grants: Grant[]; quotas: Quotas; secret: string }): Promise<{ ok: true } | Failure>;
  verify(secret: string, bytes: number): Promise<VerifyResult>;
  check(secret: string): Promise<boolean>;
  meter(bytes: number): Promise<{ ok: true } | Failure> | { ok: true } | Failure;
  charge(bytes: number): Promise<void> | void;
  rotate(secret: string, graceMs: number): Promise<{ ok: true; rotated_at: number } | Failure>;
  revoke(): Promise<{ ok: true } | Failure> | { ok: true } | Failure;
}
