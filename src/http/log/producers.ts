// POST /v1/producers — producer ids and epochs for idempotent producing (Kafka's InitProducerId).
import { Hono } from "hono";
import { unwrap } from "../../core/errors.ts";
import { asObject, bodyKind, readStructuredBody, respond } from "../content.ts";
import type { AppDeps } from "../deps.ts";
import { requireOperation } from "../auth/principal.ts";

export function producerRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.post("/", async (c) => {
    requireOperation(c, "produce");
    // The body is optional: no body (or {}) allocates an anonymous producer id.
    const hasBody = c.req.header("content-length") !== "0" && c.req.header("content-type") !== undefined;
    const body = asObject(hasBody ? await readStructuredBody(c, bodyKind(c, ["json", "msgpack"])) : {}, ["name"]);
    const result = unwrap(await deps.cluster().initProducer(body.name as string | undefined));
    return respond(c, 200, { producer_id: result.producer_id, producer_epoch: result.producer_epoch });
  });
  return app;
}
