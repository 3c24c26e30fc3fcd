// Byte quotas for request bodies that do not declare their length. A key's byte-rate quota is
// charged from Content-Length when the request is authenticated (src/http/auth/authenticate.ts); a body
// sent with Transfer-Encoding: chunked (or any body without Content-Length) declares nothing, so
// it used to go through free — 1 MB stored under a 1,000 bytes/s quota in a quarter of a second.
//
// Such a body is counted as it is read, whichever route reads it (produce in JSON, MessagePack or
// binary, Durable Streams appends, anything added later), and when it has been read to the end the
// key's object is charged the count before the route sees the end of the body. A key already over
// its quota refuses the charge: the read fails, and the request is answered with the same 429
// (`rate_limited`, Retry-After) as a Content-Length over quota, before anything is stored. Like a
// declared body, one body may overdraw the bucket; the debt delays the requests after it.
import type { Context, MiddlewareHandler } from "hono";
import { BrokerError } from "../core/errors.ts";
import type { AppDeps } from "./deps.ts";
import { principalOf } from "./auth/principal.ts";
import { contextSlot } from "./context-slot.ts";

const refusals = contextSlot<BrokerError>("body refusal");

/** Whether this request's body was refused by the key's quota (the route saw a failed read). */
export function bodyRefusal(c: Context): BrokerError | undefined {
  return refusals.get(c);
}

/** Keys whose byte quota is metered, as reported by verify (set by authenticate). */
const metered = contextSlot<true>("metered");

export function markMetered(c: Context): void {
  metered.set(c, true);
}

export function meterBodies(deps: AppDeps): MiddlewareHandler {
  // Not an async function, for the same reason as app.ts's /v1 check: every request passes here.
  return (c, next) => {
    // The body is looked at last: on the Node host reading `c.req.raw.body` turns
    // @hono/node-server's lightweight request into a full Request with a web stream over the
    // socket — a fifth of a single-record produce's time when every request did it (issue #20).
    const declared = c.req.header("content-length") !== undefined && c.req.header("transfer-encoding") === undefined;
    if (declared || metered.get(c) === undefined) return next();
    const p = principalOf(c);
    if (p.kind !== "key") return next();
    const body = c.req.raw.body;
    if (!body) return next();
    let total = 0;
    const counted = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          total += chunk.byteLength;
          controller.enqueue(chunk);
        },
        async flush() {
          if (total === 0) return;
          const charged = await deps.key(p.id).meter(total);
          if (charged.ok) return;
          const refusal = BrokerError.from(charged);
          refusals.set(c, refusal);
          throw refusal;
        },
      }),
    );
    c.req.raw = new Request(c.req.raw, { body: counted, duplex: "half" } as RequestInit);
    return next();
  };
}
