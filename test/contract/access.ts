// Access in the HTTP API contract, on every host: /healthz is open, /v1 wants a valid bearer
// token (401 unauthorized otherwise), and an unknown route is a 404 not_found.
import { describe, expect, it } from "vitest";
import type { ContractContext } from "./contract-support.ts";

export function accessSuite(t: ContractContext): void {
  const { call, expectError } = t;

  describe("access", () => {
    it("serves /healthz without a token", async () => {
      const res = await fetch(`${t.target().url}/healthz`);
      expect(res.status).toBe(200);
    });

    it("refuses /v1 without a valid bearer token", async () => {
      await expectError(await fetch(`${t.target().url}/v1/topics`), 401, "unauthorized");
      await expectError(await call("/v1/topics", { headers: { authorization: "Bearer wrong-token" } }), 401, "unauthorized");
      await expectError(await call("/v1/topics", { headers: { authorization: "Basic abc" } }), 401, "unauthorized");
    });

    it("answers unknown routes with not_found", async () => {
      await expectError(await call("/v1/nothing-here"), 404, "not_found");
    });
  });
}
