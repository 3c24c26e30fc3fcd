// One Durable Object per API key, named by the key id: verification and quota counters. Thin:
// delegates to the portable KeyStore.
import { DurableObject } from "cloudflare:workers";
import type { Failure } from "../core/errors.ts";
import type { Grant } from "../core/grants.ts";
import { KeyStore, type Quotas, type VerifyResult } from "../core/key-store.ts";
import type { StoragePort } from "../core/storage-port.ts";
import type { Env } from "./env.ts";

export class KeyObject extends DurableObject<Env> {
  private readonly store: KeyStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new KeyStore(ctx.storage as unknown as StoragePort);
  }

  create(key: { id: string; name: string; grants: Grant[]; quotas: Quotas; secret: string }): Promise<{ ok: true } | Failure> {
    return this.store.create(key);
  }

  verify(secret: string, bytes: number): Promise<VerifyResult> {
    return this.store.verify(secret, bytes);
  }

  check(secret: string): Promise<boolean> {
    return this.store.check(secret);
  }

  meter(bytes: number): { ok: true } | Failure {
    return this.store.meter(bytes);
  }

  charge(bytes: number): void {
    this.store.charge(bytes);
  }

  rotate(secret: string, graceMs: number): Promise<{ ok: true; rotated_at: number } | Failure> {
    return this.store.rotate(secret, graceMs);
  }

  revoke(): { ok: true } | Failure {
    return this.store.revoke();
  }
}
