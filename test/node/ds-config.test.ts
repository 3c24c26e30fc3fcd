// EDGEBROKER_ANONYMOUS_GRANTS and /ds authentication before any stream is touched: off by default
// (401 like /v1), a malformed value stops a standalone host and makes the Worker app answer 503.
import { describe, expect, it } from "vitest";
import { parseAnonymousGrants } from "../../src/core/keys/anonymous-grants.ts";
import { DEFAULT_LIMITS } from "../../src/core/limits.ts";
import { createApp } from "../../src/http/app.ts";
import type { AppDeps } from "../../src/http/deps.ts";
import { ConfigError, configFromEnv } from "../../src/runtime/config.ts";

/** Deps whose objects must never be reached: these requests are refused before any lookup. */
function deps(extra: Partial<AppDeps>): AppDeps {
  const unreachable = () => {
    throw new Error("no object may be called for a refused request");
  };
  return {
    cluster: unreachable,
    partition: unreachable,
    group: unreachable,
    key: unreachable,
    logCore: unreachable,
    adminToken: "admin",
    limits: DEFAULT_LIMITS,
    ...extra,
  } as AppDeps;
}

describe("EDGEBROKER_ANONYMOUS_GRANTS", () => {
  it("parses comma-separated <operation>:<resource> grants and is off when unset", () => {
    expect(parseAnonymousGrants(undefined)).toBeUndefined();
    expect(parseAnonymousGrants(" ")).toBeUndefined();
    expect(parseAnonymousGrants("produce:topic:ds.*, consume:topic:ds.*")).toEqual([
      { operation: "produce", resource: "topic:ds.*" },
      { operation: "consume", resource: "topic:ds.*" },
    ]);
  });

  it("refuses malformed values, naming the variable", () => {
    for (const bad of ["read:topic:ds.*", "consume", "consume:topic:a b", "admin:stream:x"]) {
      expect(() => parseAnonymousGrants(bad)).toThrow(/EDGEBROKER_ANONYMOUS_GRANTS/);
    }
    const env = (name: string) => ({ EDGEBROKER_ADMIN_TOKEN: "t", EDGEBROKER_ANONYMOUS_GRANTS: "consume:nope" })[name];
    expect(() => configFromEnv(env)).toThrow(ConfigError);
  });

  it("answers /ds without credentials 401 when no anonymous grants are configured", async () => {
    const res = await createApp(deps({})).request("/ds/a/b?offset=-1");
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });

  it("answers 503 naming the problem when the Worker's configuration is invalid", async () => {
    const res = await createApp(deps({ configError: "EDGEBROKER_ANONYMOUS_GRANTS must be ..." })).request("/ds/a", { method: "PUT" });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("not_configured");
    expect(body.error.message).toContain("EDGEBROKER_ANONYMOUS_GRANTS");
    expect((await createApp(deps({ configError: "x" })).request("/healthz")).status).toBe(200);
  });
});
