// Regression (issue #14, webhook address checks bypassed): the standalone hosts' outbound fetch on
// Node, Bun and Deno, each running test/contract/outbound-probe.ts against a real local server.
// Without the loopback opt-in nothing loopback-like is contacted, whatever its spelling
// (localhost., *.localhost, ::ffff:127.0.0.1, 0x7f.1, 2130706433) or a name that resolves to it;
// names resolving to private addresses stay refused even with the opt-in; a name connects to the
// address that was checked (the server sees the name only in Host, and TLS verifies the URL's
// name on that connection); redirects are never followed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RUNTIMES, type Runtime } from "./hosts-support.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const PROBE = "test/contract/outbound-probe.ts";

// A self-signed certificate for hook.example, trusted by the probe through NODE_EXTRA_CA_CERTS
// (read by Node, Bun and Deno's node:https alike).
const TLS_DIR = mkdtempSync(join(tmpdir(), "edgebroker-outbound-tls-"));
execFileSync(
  "openssl",
  [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=hook.example",
    "-addext",
    "subjectAltName=DNS:hook.example",
    "-keyout",
    join(TLS_DIR, "key.pem"),
    "-out",
    join(TLS_DIR, "cert.pem"),
  ],
  { stdio: "ignore" },
);
afterAll(() => rmSync(TLS_DIR, { recursive: true, force: true }));

function command(runtime: Runtime): [string, string[]] {
  switch (runtime) {
    case "node":
      return [process.execPath, ["--disable-warning=ExperimentalWarning", PROBE]];
    case "bun":
      return [join(ROOT, "node_modules", ".bin", "bun"), [PROBE]];
    // node:https on Deno reads the system CA store and two Node variables (docs/security.md).
    case "deno":
      return [
        join(ROOT, "node_modules", ".bin", "deno"),
        [
          "run",
          "--no-prompt",
          "--allow-net=127.0.0.1",
          "--allow-sys",
          `--allow-read=${ROOT},${TLS_DIR}`,
          "--allow-env=PROBE_TLS_DIR,NODE_USE_SYSTEM_CA,NODE_EXTRA_CA_CERTS",
          PROBE,
        ],
      ];
  }
}

describe.each(RUNTIMES)("outbound fetch on %s", (runtime) => {
  it("checks the address it connects to and follows no redirect", () => {
    const [cmd, args] = command(runtime);
    const env = { ...process.env, PROBE_TLS_DIR: TLS_DIR, NODE_EXTRA_CA_CERTS: join(TLS_DIR, "cert.pem") };
    const out = execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", timeout: 60_000, env });
    const { results, seen } = JSON.parse(out.trim().split("\n").pop()!) as {
      results: Record<string, { ok: boolean; code?: string; status?: number; reason?: string }>;
      seen: Array<{ path: string; host: string }>;
    };
    for (const name of [
      "literal loopback",
      "localhost.",
      "*.localhost",
      "mapped",
      "hex",
      "decimal",
      "name resolving to loopback",
      "name resolving to private",
      "name resolving to public and private",
      "dev: private stays refused",
      "fetch: literal loopback",
    ]) {
      expect(results[name], name).toMatchObject({ ok: false, code: "refused" });
    }
    // Names are refused on the address they resolve to, which the reason names.
    expect(results["name resolving to loopback"]!.reason).toMatch(/resolves to 127\.0\.0\.1 is loopback/);
    expect(results["name resolving to public and private"]!.reason).toMatch(/169\.254\.169\.254/);
    expect(results["dev: loopback literal"]).toMatchObject({ ok: true, status: 200 });
    expect(results["dev: name connects to the checked address"]).toMatchObject({ ok: true, status: 200 });
    expect(results["fetch: ok"]).toMatchObject({ ok: true, status: 200 });
    // The server listens on 127.0.0.1 only: ::1 cannot be connected to, the next checked address is used.
    expect(results["dev: next checked address when one refuses"]).toMatchObject({ ok: true, status: 200 });
    for (const name of ["dev: redirect", "dev: redirect to metadata", "fetch: redirect"])
      expect(results[name], name).toMatchObject({ ok: false, code: "redirect" });
    // TLS to the checked address verifies the URL's name: hook.example passes, other.example does not.
    expect(results["tls: name verified on the checked address"]).toMatchObject({ ok: true, status: 200 });
    expect(results["tls: other name refused by the certificate"]).toMatchObject({ ok: false, code: "network" });
    expect(results["tls: other name refused by the certificate"]!.reason).toMatch(/altnames|certificate/i);
    // Only the allowed requests reached the servers; no redirect target was requested.
    expect(seen.map((s) => s.path).sort()).toEqual([
      "/fetched",
      "/named",
      "/ok",
      "/redirect",
      "/redirect",
      "/redirect-metadata",
      "/second",
      "tls:/tls",
    ]);
    expect(seen.find((s) => s.path === "tls:/tls")!.host).toMatch(/^hook\.example:\d+$/);
    expect(seen.find((s) => s.path === "/named")!.host).toMatch(/^hook\.localhost:\d+$/);
  });
});
