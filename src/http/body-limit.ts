// The request body size limit (maxRequestBytes) on /v1. hono/body-limit checks a declared
// Content-Length and counts any other body as it is read; but it first looks at
// `c.req.raw.body`, which on the Node host turns @hono/node-server's lightweight request into a
// full Request with a web stream over the socket — most of the HTTP layer's cost of a
// single-record produce (issue #20). A declared length is checked here, as hono/body-limit checks
// it, without touching the body; everything else goes to hono/body-limit as before.
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { BrokerError } from "../core/errors.ts";
import type { AppDeps } from "./deps.ts";

export function limitBodies(deps: AppDeps): MiddlewareHandler {
  const max = deps.limits.maxRequestBytes;
  const tooLarge = (): never => {
    throw new BrokerError("payload_too_large", `the request body exceeds the limit of ${max} bytes (maxRequestBytes)`, { limit: max });
  };
  const counted = bodyLimit({ maxSize: max, onError: tooLarge });
  return (c, next) => {
    const method = c.req.method;
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined && method !== "GET" && method !== "HEAD") {
      return Number.parseInt(length, 10) > max ? tooLarge() : next();
    }
    return counted(c, next);
  };
}
