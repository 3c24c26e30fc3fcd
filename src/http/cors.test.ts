// CORS is off unless a deployment lists origins; then preflights from those origins pass.
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../core/limits.ts";
import { createApp } from "./app.ts";
import type { AppDeps } from "./deps.ts";

const unused = () => {
  throw new Error("not used by these requests");
};

function app(corsOrigins?: string[]) {
  const deps: AppDeps = {
    cluster: unused,
    partition: unused,
    key: unused,
    group: unused,
    subscriptions: unused,
    logCore: unused,
    adminToken: "t",
    limits: DEFAULT_LIMITS,
    corsOrigins,
  };
  return createApp(deps);
}

function preflight(origin: string) {
  return new Request("http://broker/v1/topics", {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
  });
}

describe("CORS", () => {
  it("is off by default", async () => {
    const res = await app().fetch(preflight("https://dashboard.example"));
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows the configured origins only", async () => {
    const configured = app(["https://dashboard.example"]);
    const ok = await configured.fetch(preflight("https://dashboard.example"));
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://dashboard.example");
    expect(ok.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    const other = await configured.fetch(preflight("https://evil.example"));
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});
