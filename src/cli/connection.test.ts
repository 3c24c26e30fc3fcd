import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveConnection } from "./connection.ts";
import { UsageError } from "./exit-codes.ts";

const state = mkdtempSync(join(tmpdir(), "edgebroker-dev-state-"));
writeFileSync(join(state, "admin-token"), "dev-token\n");
afterAll(() => rmSync(state, { recursive: true, force: true }));

describe("resolveConnection", () => {
  it("--token, then EDGEBROKER_TOKEN, then the dev token file", () => {
    const env = { EDGEBROKER_DEV_STATE: state, EDGEBROKER_TOKEN: "from-env" };
    expect(resolveConnection({ token: "flag" }, env)).toMatchObject({ token: "flag", tokenSource: "--token" });
    expect(resolveConnection({}, env)).toMatchObject({ token: "from-env", tokenSource: "EDGEBROKER_TOKEN" });
    expect(resolveConnection({}, { EDGEBROKER_DEV_STATE: state })).toMatchObject({ url: "http://127.0.0.1:8787", token: "dev-token" });
  });

  it("never sends the local dev token to another host", () => {
    for (const url of ["https://edgebroker.example.workers.dev", "http://10.0.0.5:8787", "http://127.0.0.1.example.com"]) {
      expect(resolveConnection({ url }, { EDGEBROKER_DEV_STATE: state })).toMatchObject({ token: undefined, tokenSource: "none" });
    }
    for (const url of ["http://localhost:8787", "http://[::1]:8787"]) {
      expect(resolveConnection({ url }, { EDGEBROKER_DEV_STATE: state }).token).toBe("dev-token");
    }
  });

  it("--url over EDGEBROKER_URL; trailing slashes dropped; non-HTTP URLs refused as usage errors", () => {
    expect(resolveConnection({ url: "http://a:1/" }, { EDGEBROKER_URL: "http://b:2" }).url).toBe("http://a:1");
    expect(resolveConnection({}, { EDGEBROKER_URL: "http://b:2/base/" }).url).toBe("http://b:2/base");
    expect(() => resolveConnection({ url: "localhost:8787" }, {})).toThrow(UsageError);
    expect(() => resolveConnection({ url: "ftp://x" }, {})).toThrow(UsageError);
  });
});
