// Start-up refusals of the standalone hosts: no admin token, or a data directory already in use by
// another broker (which would otherwise run a second instance of every object).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RUNTIMES, serverCommand, startServer } from "./hosts-support.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

describe.each(RUNTIMES)("starting on %s", (runtime) => {
  const dataDir = mkdtempSync(join(tmpdir(), `edgebroker-startup-${runtime}-`));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  function run(env: Record<string, string | undefined>) {
    const [command, args] = serverCommand(runtime, dataDir);
    const childEnv: Record<string, string | undefined> = {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: "0",
      EDGEBROKER_DATA_DIR: dataDir,
      NO_COLOR: "1",
      ...env,
    };
    for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
    return spawnSync(command, args, { cwd: ROOT, env: childEnv, encoding: "utf8", timeout: 30_000 });
  }

  it("refuses to start without EDGEBROKER_ADMIN_TOKEN, saying so", () => {
    const result = run({ EDGEBROKER_ADMIN_TOKEN: undefined });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("EDGEBROKER_ADMIN_TOKEN is not set");
  });

  it("refuses a malformed limit, naming the variable", () => {
    const result = run({ EDGEBROKER_ADMIN_TOKEN: "x", EDGEBROKER_MAX_WAIT_MS: "soon" });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("EDGEBROKER_MAX_WAIT_MS");
  });

  it("refuses a data directory another broker is using", async () => {
    const first = await startServer(runtime, { dataDir });
    try {
      const second = run({ EDGEBROKER_ADMIN_TOKEN: "x" });
      expect(second.status, second.stderr).toBe(1);
      expect(second.stderr).toContain("in use by another process");
    } finally {
      expect(await first.stop()).toBe(0);
    }
  });
});
