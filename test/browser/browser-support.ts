// What the console's browser tests run against: the Worker under `wrangler dev` (scripts/dev.ts,
// so wrangler.toml's [assets] serve build/console/ exactly as `npm run dev` does), Chromium from
// Debian driven by playwright-core (no downloaded browser), and a screenshot helper.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { freePort } from "../contract/hosts-support.ts";

export const ADMIN_TOKEN = "console-test-admin-token";
const ROOT = new URL("../../", import.meta.url).pathname;
export const SCREENSHOTS = join(ROOT, "artifacts", "screenshots");

export interface DevBroker {
  url: string;
  stop(): Promise<void>;
}

export async function startDevBroker(): Promise<DevBroker> {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), "edgebroker-console-"));
  const child: ChildProcess = spawn(process.execPath, ["scripts/dev.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), EDGEBROKER_ADMIN_TOKEN: ADMIN_TOKEN, EDGEBROKER_DEV_STATE: state },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: the script, wrangler and workerd stop together
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise((r) => child.once("exit", r));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) process.kill(-child.pid!, "SIGTERM");
    await exited;
    rmSync(state, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not start within 90 s:\n${output}`);
}

/** Debian's package installs the browser here; /usr/bin/chromium is a wrapper script around it. */
function chromiumPath(): string {
  for (const p of ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]) if (existsSync(p)) return p;
  throw new Error("Chromium is not installed: apt-get install -y chromium");
}

export function launchBrowser(): Promise<Browser> {
  // --no-sandbox: the tests run as root in a container, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A call to the broker's API from the test itself (the consumer, records to browse). */
export async function call<T = unknown>(broker: DevBroker, method: string, path: string, body?: unknown, token = ADMIN_TOKEN): Promise<T> {
  const res = await fetch(broker.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };
