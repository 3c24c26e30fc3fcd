// Metrics and readiness in the HTTP API contract, on every host: GET /metrics after traffic of
// every kind (test/support/metrics-scenario.ts), and GET /readyz without credentials.
import { metricsScenario } from "../support/metrics-scenario.ts";
import { describe, expect, it } from "vitest";
import type { ContractContext } from "./contract-support.ts";

export function metricsSuite(t: ContractContext): void {
  const { call, json, createTopic, produce } = t;

  describe("metrics and readiness", () => {
    it("GET /metrics shows what was produced, fetched, committed and tailed, in the Prometheus text format", async () => {
      await metricsScenario(
        { call, json, createTopic, produce },
        `metrics-${Date.now().toString(36)}-${t.counter()}`,
        t.target().name !== "workerd",
      );
    });

    it("GET /readyz answers ready without credentials", async () => {
      const res = await fetch(`${t.target().url}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ready: true, checks: { config: "ok", wasm: "ok", storage: "ok" } });
    });
  });
}
