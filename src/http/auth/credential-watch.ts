// Streams (SSE tails, Durable Streams live reads) outlive the request that authenticated them.
// Every `everyMs` they ask the key's object again whether the key still opens — revoked, or
// rotated past its grace period, ends the stream at its next turn — so a revocation reaches
// open subscriptions too, at the cost of one key-object call per interval per stream.
import type { Context } from "hono";
import { CREDENTIAL_CHECK_MS, REVOKED_END } from "../../core/keys/credential-check.ts";
import type { AppDeps } from "../deps.ts";
import { secretOf } from "./authenticate.ts";
import { principalOf } from "./principal.ts";

export { CREDENTIAL_CHECK_MS, REVOKED_END };

export class CredentialWatch {
  private readonly check: (() => Promise<boolean>) | undefined;
  private readonly everyMs: number;
  private readonly now: () => number;
  private last: number;

  constructor(c: Context, deps: AppDeps, everyMs = deps.credentialCheckMs ?? CREDENTIAL_CHECK_MS) {
    const p = principalOf(c);
    const secret = secretOf(c);
    // The admin token and the anonymous grants come from configuration, fixed for the process.
    if (p.kind === "key" && secret !== undefined) this.check = () => Promise.resolve(deps.key(p.id).check(secret));
    this.everyMs = everyMs;
    this.now = deps.now ?? Date.now;
    this.last = this.now();
  }

  /** False once the key no longer opens; asks its object at most once per interval. */
  async valid(): Promise<boolean> {
    if (!this.check || this.now() - this.last < this.everyMs) return true;
    this.last = this.now();
    try {
      return await this.check();
    } catch {
      return true; // the key's object is unreachable for a moment: the next turn asks again
    }
  }
}
