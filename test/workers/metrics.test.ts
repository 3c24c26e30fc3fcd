// GET /metrics and GET /readyz in workerd: the numbers after produce, fetch, group and tail
// activity (test/support/metrics-scenario.ts), who may scrape, and readiness.
import { describe, expect, it } from "vitest";
import { call, createTopic, expectError, json, produce } from "./api-support.ts";
import { metricsScenario } from "../support/metrics-scenario.ts";

describe("GET /metrics", () => {
  it("shows what was produced, fetched, committed and tailed, in the Prometheus text format", async () => {
    await metricsScenario({ call, json, createTopic: (p) => createTopic(p), produce }, `metrics-${Date.now().toString(36)}`);
  });

  it('needs the admin token or a key with consume on "metrics"', async () => {
    await expectError(await call("/metrics", { headers: { authorization: "" } }), 401, "unauthorized");
    const make = async (grants: unknown) =>
      ((await (await json("/v1/keys", "POST", { name: "scraper", grants })).json()) as { secret: string }).secret;
    const scraper = await make([{ operation: "consume", resource: "metrics" }]);
    const other = await make([{ operation: "consume", resource: "topic:*" }]);
    expect((await call("/metrics", { headers: { authorization: `Bearer ${scraper}` } })).status).toBe(200);
    await expectError(await call("/metrics", { headers: { authorization: `Bearer ${other}` } }), 403, "forbidden");
  });
});

describe("GET /readyz", () => {
  it("is ready without credentials when the settings, the WASM core and storage are", async () => {
    const res = await call("/readyz", { headers: { authorization: "" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true, checks: { config: "ok", wasm: "ok", storage: "ok" } });
  });
});
