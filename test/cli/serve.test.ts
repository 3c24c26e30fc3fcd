// `edgebroker serve` starts the standalone server in the foreground, and stops it cleanly on
// SIGTERM, passing the server's exit code through.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { freePort } from "../contract/hosts-support.ts";
import { ROOT, runCli } from "./cli-support.ts";

const dataDir = mkdtempSync(join(tmpdir(), "edgebroker-cli-serve-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it("serve --port --data-dir runs the Node server until SIGTERM", async () => {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(ROOT, "bin", "edgebroker.js"), "serve", "--port", String(port), "--host", "127.0.0.1", "--data-dir", dataDir],
    {
      env: { ...process.env, EDGEBROKER_ADMIN_TOKEN: "serve-test-token", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300 && !output.includes("listening on"); i++) await new Promise((r) => setTimeout(r, 100));
  expect(output).toContain(`data in ${dataDir}`);

  const created = await runCli(["--url", url, "--token", "serve-test-token", "--json", "topic", "create", "served"]);
  expect(created.code, created.stderr).toBe(0);
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
});

it("serve without EDGEBROKER_ADMIN_TOKEN: the server's message and its exit code", async () => {
  const r = await runCli(["serve", "--port", String(await freePort()), "--data-dir", dataDir], {
    env: { EDGEBROKER_ADMIN_TOKEN: undefined },
  });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain("EDGEBROKER_ADMIN_TOKEN is not set");
});
