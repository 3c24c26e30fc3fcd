// POST /v1/producers — producer ids and epochs for idempotent producing (Kafka's InitProducerId).
import type { OpenAPIHono } from "@hono/zod-openapi";
import { unwrap } from "../../core/errors.ts";
import { respond } from "../content.ts";
import { openApp, openRoute, readBody } from "../openapi/route.ts";
import { PRODUCERS_ROUTE, ProducerBody } from "./schemas.ts";
import type { AppDeps } from "../deps.ts";
import { requireOperation } from "../auth/principal.ts";

export function producerRoutes(deps: AppDeps): OpenAPIHono {
  const app = openApp();
  openRoute(app, PRODUCERS_ROUTE, async (c) => {
    requireOperation(c, "produce");
    // The body is optional: no body (or {}) allocates an anonymous producer id.
    const body = await readBody(c, ProducerBody, { optional: true });
    const result = unwrap(await deps.cluster().initProducer(body.name));
    return respond(c, 200, { producer_id: result.producer_id, producer_epoch: result.producer_epoch });
  });
  return app;
}
