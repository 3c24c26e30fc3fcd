// Tiered storage's broker settings (EDGEBROKER_TIERED_*, docs/configuration.md): one store or
// none, complete and well-formed, or the host refuses to start naming the setting.
import { describe, expect, it } from "vitest";
import { brokerConfig, ConfigError } from "./config.ts";

const config = (vars: Record<string, string>) => brokerConfig((name) => vars[name]);
const S3 = {
  EDGEBROKER_TIERED_S3_ENDPOINT: "http://127.0.0.1:9000",
  EDGEBROKER_TIERED_S3_BUCKET: "tiered",
  EDGEBROKER_TIERED_S3_ACCESS_KEY_ID: "id",
  EDGEBROKER_TIERED_S3_SECRET_ACCESS_KEY: "secret",
};

describe("tiered storage settings", () => {
  it("reads a directory store, an S3 store (region defaulted), or none", () => {
    expect(config({}).tiered).toBeUndefined();
    expect(config({ EDGEBROKER_TIERED_DIR: "/var/tiered" }).tiered).toEqual({ kind: "dir", dir: "/var/tiered" });
    expect(config(S3).tiered).toEqual({
      kind: "s3",
      endpoint: "http://127.0.0.1:9000",
      bucket: "tiered",
      region: "us-east-1",
      accessKeyId: "id",
      secretAccessKey: "secret",
    });
    expect(config({ EDGEBROKER_TIERED_CACHE_BYTES: "1048576" }).tieredCacheBytes).toBe(1_048_576);
  });

  it("refuses two stores, an incomplete S3 store, a malformed endpoint and a bad cache size, naming the setting", () => {
    const refused = (vars: Record<string, string>, name: string) => {
      expect(() => config(vars)).toThrow(ConfigError);
      expect(() => config(vars)).toThrow(name);
    };
    refused({ ...S3, EDGEBROKER_TIERED_DIR: "/x" }, "EDGEBROKER_TIERED_DIR");
    for (const missing of ["BUCKET", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "ENDPOINT"]) {
      const vars: Record<string, string> = { ...S3 };
      delete vars[`EDGEBROKER_TIERED_S3_${missing}`];
      refused(vars, `EDGEBROKER_TIERED_S3_${missing}`);
    }
    for (const endpoint of ["ftp://host", "not a url", "https://user:pw@host", "https://host/?x=1"])
      refused({ ...S3, EDGEBROKER_TIERED_S3_ENDPOINT: endpoint }, "EDGEBROKER_TIERED_S3_ENDPOINT");
    refused({ EDGEBROKER_TIERED_CACHE_BYTES: "lots" }, "EDGEBROKER_TIERED_CACHE_BYTES");
  });
});
