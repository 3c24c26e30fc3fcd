// POST /v1/producers — producer ids and epochs for idempotent producing (Kafka's InitProducerId).
import { Hono } from "hono";
import { BrokerError } from "../../core/errors.ts";
import { bodyKind, readStructuredBody, respond } from "../content.ts";
import type { AppDeps } from "../deps.ts";
import { requireOperation } from "../principal.ts";

export function producerRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.post("/", async (c) => {
    requireOperation(c, "produce");
    // The body is optional: no body (or {}) allocates an anonymous producer id.
    const hasBody = c.req.header("content-length") !== "0" && c.req.header("content-type") !== undefined;
    const body = hasBody ? await readStructuredBody(c, bodyKind(c, ["json", "msgpack"])) : {};
    if (!body || typeof body !== "object" || Array.isArray(body)) throw new BrokerError("bad_request", 'the body must be an object like {"name": "device-42"}');
    const unknown = Object.keys(body).filter((k) => k !== "name");
    if (unknown.length) throw new BrokerError("bad_request", `${unknown[0]}: unknown field (expected name)`);
    const result = await deps.cluster().initProducer((body as { name?: string }).name);
    if (!result.ok) throw BrokerError.from(result);
    return respond(c, 200, { producer_id: result.producer_id, producer_epoch: result.producer_epoch });
  });
  return app;
}
