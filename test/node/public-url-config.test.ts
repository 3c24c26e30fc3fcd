// EDGEBROKER_PUBLIC_URL (issue #14: callback URLs must not come from the Host header): parsed the
// same on every host, a malformed value stops a standalone host, and its default there is the
// listen address.
import { describe, expect, it } from "vitest";
import { parsePublicUrl } from "../../src/core/public-url.ts";
import { ConfigError, configFromEnv } from "../../src/runtime/config.ts";

const env = (vars: Record<string, string>) => (name: string) => ({ EDGEBROKER_ADMIN_TOKEN: "t", ...vars })[name];

describe("EDGEBROKER_PUBLIC_URL", () => {
  it("is normalised to an origin plus path without a trailing slash", () => {
    expect(parsePublicUrl(undefined)).toBeUndefined();
    expect(parsePublicUrl(" ")).toBeUndefined();
    expect(parsePublicUrl("https://Broker.Example.com/")).toBe("https://broker.example.com");
    expect(parsePublicUrl("https://example.com:8443/edge//")).toBe("https://example.com:8443/edge");
    expect(parsePublicUrl("http://127.0.0.1:8787")).toBe("http://127.0.0.1:8787");
  });

  it("refuses values that are not a plain http(s) base URL, naming the variable", () => {
    for (const bad of [
      "broker.example.com",
      "ftp://example.com",
      "https://example.com/?a=1",
      "https://example.com/#x",
      "https://u:p@example.com",
    ]) {
      expect(() => parsePublicUrl(bad), bad).toThrow(/EDGEBROKER_PUBLIC_URL/);
      expect(() => configFromEnv(env({ EDGEBROKER_PUBLIC_URL: bad })), bad).toThrow(ConfigError);
    }
  });

  it("defaults to the listen address on the standalone hosts, wildcards as loopback", () => {
    expect(configFromEnv(env({})).publicUrl).toBe("http://127.0.0.1:8787");
    expect(configFromEnv(env({ HOST: "10.0.0.5", PORT: "9000" })).publicUrl).toBe("http://10.0.0.5:9000");
    expect(configFromEnv(env({ HOST: "::", PORT: "9000" })).publicUrl).toBe("http://[::1]:9000");
    expect(configFromEnv(env({ HOST: "0.0.0.0", EDGEBROKER_PUBLIC_URL: "https://edge.example.com/" })).publicUrl).toBe(
      "https://edge.example.com",
    );
  });
});
