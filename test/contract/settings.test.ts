// The documented settings (README, configuration tables) on every host: the Worker in workerd and
// the standalone servers on Node, Bun and Deno all read them through src/http/config.ts, so each
// setting takes effect everywhere, and a malformed one is refused with the same message naming it
// — by the standalone hosts at start (exit 2), by the Worker on every request (503 not_configured).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BENCH_TOKEN, startBroker } from "../../bench/lib/servers.ts";
import { spawnSync } from "node:child_process";
import { RUNTIMES, serverCommand, startServer, type Runtime } from "./hosts-support.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const ORIGIN = "https://app.example.com";

/** One value for each documented setting whose effect a request can see. */
const SETTINGS: Record<string, string> = {
  EDGEBROKER_CORS_ORIGINS: ORIGIN,
  EDGEBROKER_MAX_PARTITIONS: "3",
  EDGEBROKER_MAX_WAIT_MS: "1500",
  EDGEBROKER_ANONYMOUS_GRANTS: "admin:topic:ds.open.*",
  // Far below the 20 s default: a long-poll that waited the default would time the test out.
  EDGEBROKER_DS_LONG_POLL_MS: "300",
  EDGEBROKER_PRODUCER_EXPIRATION_MS: "600000",
  EDGEBROKER_DS_LOOPBACK_WEBHOOKS: "1",
  EDGEBROKER_TRANSACTION_MAX_TIMEOUT_MS: "5000",
};

/** Malformed values, each refused with a message naming its variable. */
const MALFORMED: Array<[string, string]> = [
  ["EDGEBROKER_DS_LONG_POLL_MS", "soon"],
  ["EDGEBROKER_CORS_ORIGINS", "app.example.com"],
  ["EDGEBROKER_DS_LOOPBACK_WEBHOOKS", "yes"],
  ["EDGEBROKER_PRODUCER_EXPIRATION_MS", "-5"],
  ["EDGEBROKER_PUBLIC_URL", "broker.example.com"],
  ["EDGEBROKER_CREDENTIAL_CHECK_MS", "0"],
  ["EDGEBROKER_METRICS_INTERVAL_MS", "fast"],
  ["EDGEBROKER_TIERED_CACHE_BYTES", "lots"],
  ["EDGEBROKER_TRANSACTION_MAX_TIMEOUT_MS", "0"],
];

type Host = "workerd" | Runtime;
const HOSTS: Host[] = ["workerd", ...RUNTIMES];

async function start(host: Host, env: Record<string, string>): Promise<{ url: string; stop(): Promise<unknown> }> {
  if (host === "workerd") {
    const server = await startBroker(env);
    return { url: server.url, stop: () => server.dispose() };
  }
  const dataDir = mkdtempSync(join(tmpdir(), `edgebroker-settings-${host}-`));
  const server = await startServer(host, { dataDir, env });
  return {
    url: server.url,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe.each(HOSTS)("settings on %s", (host) => {
  let broker: { url: string; stop(): Promise<unknown> };
  const auth = { authorization: `Bearer ${BENCH_TOKEN}`, "content-type": "application/json" };
  beforeAll(async () => {
    broker = await start(host, SETTINGS);
  }, 120_000);
  afterAll(() => broker?.stop());

  it("EDGEBROKER_CORS_ORIGINS: a preflight from the allowed origin is answered for it, another origin is not", async () => {
    const preflight = (origin: string) =>
      fetch(`${broker.url}/v1/topics`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
    expect((await preflight(ORIGIN)).headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect((await preflight("https://other.example.com")).headers.get("access-control-allow-origin")).not.toBe("https://other.example.com");
  });

  it("EDGEBROKER_MAX_PARTITIONS and EDGEBROKER_MAX_WAIT_MS: requests past the limits are refused", async () => {
    const tooMany = await fetch(`${broker.url}/v1/topics`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ name: "settings-big", partitions: 4 }),
    });
    expect(tooMany.status).toBe(400);
    const created = await fetch(`${broker.url}/v1/topics`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ name: "settings-ok", partitions: 3 }),
    });
    expect(created.status).toBe(201);
    const wait = await fetch(`${broker.url}/v1/topics/settings-ok/partitions/0/records?offset=0&wait_ms=1501`, { headers: auth });
    expect(wait.status).toBe(400);
  });

  it("EDGEBROKER_ANONYMOUS_GRANTS and EDGEBROKER_DS_LONG_POLL_MS: an anonymous long-poll ends after the configured wait", async () => {
    const created = await fetch(`${broker.url}/ds/open/settings`, { method: "PUT", headers: { "content-type": "text/plain" } });
    expect(created.status).toBe(201);
    const caughtUp = await fetch(`${broker.url}/ds/open/settings?offset=-1`);
    expect(caughtUp.status).toBe(200);
    const next = caughtUp.headers.get("stream-next-offset");
    const poll = await fetch(`${broker.url}/ds/open/settings?offset=${next}&live=long-poll`);
    expect(poll.status).toBe(204);
    // Outside the anonymous grants: the anonymous principal may not.
    expect((await fetch(`${broker.url}/ds/closed/settings`, { method: "PUT" })).status).toBe(403);
  }, 10_000);

  it("EDGEBROKER_TRANSACTION_MAX_TIMEOUT_MS caps transaction_timeout_ms, and an abandoned transaction is aborted by the coordinator's alarm", async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${broker.url}${path}`, { method: "POST", headers: { ...auth, ...headers }, body: JSON.stringify(body) });
    const over = await post("/v1/transactions/settings-tx/init", { transaction_timeout_ms: 5001 });
    expect(over.status).toBe(400);
    expect(((await over.json()) as { error: { code: string; max_timeout_ms: number } }).error).toMatchObject({
      code: "invalid_transaction_timeout",
      max_timeout_ms: 5000,
    });
    // No timeout asked: the default (60000) is capped by the maximum.
    expect((await post("/v1/transactions/settings-tx/init", {})).status).toBe(200);
    expect(
      ((await (await fetch(`${broker.url}/v1/transactions/settings-tx`, { headers: auth })).json()) as any).transaction_timeout_ms,
    ).toBe(5000);
    // An abandoned transaction: 200 ms, then the alarm aborts it and fences its producer.
    const p = (await (await post("/v1/transactions/settings-tx/init", { transaction_timeout_ms: 200 })).json()) as any;
    expect((await post("/v1/topics", { name: "settings-tx-topic", partitions: 1 })).status).toBe(201);
    const produced = await post(
      "/v1/topics/settings-tx-topic/records?partition=0",
      { records: [{ value: "abandoned" }] },
      {
        "transactional-id": "settings-tx",
        "producer-id": String(p.producer_id),
        "producer-epoch": String(p.producer_epoch),
        "producer-seq": "0",
      },
    );
    expect(produced.status).toBe(200);
    let state = "";
    for (let i = 0; i < 200 && state !== "CompleteAbort"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = ((await (await fetch(`${broker.url}/v1/transactions/settings-tx`, { headers: auth })).json()) as any).state;
    }
    expect(state).toBe("CompleteAbort");
    const late = await post("/v1/transactions/settings-tx/commit", { producer_id: p.producer_id, producer_epoch: p.producer_epoch });
    expect(((await late.json()) as any).error.code).toBe("producer_fenced");
    const read = (await (
      await fetch(`${broker.url}/v1/topics/settings-tx-topic/partitions/0/records?offset=0&isolation=read_committed`, { headers: auth })
    ).json()) as any;
    expect(read.records).toEqual([]);
  }, 30_000);
});

describe.each(HOSTS)("malformed settings on %s", (host) => {
  it.each(MALFORMED)(
    "%s=%s is refused, naming it",
    async (name, value) => {
      if (host === "workerd") {
        const broker = await start(host, { [name]: value });
        try {
          for (const path of ["/v1/topics", "/ds/open/x", "/metrics"]) {
            const res = await fetch(`${broker.url}${path}`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
            expect(res.status).toBe(503);
            const body = (await res.json()) as { error: { code: string; message: string } };
            expect(body.error.code).toBe("not_configured");
            expect(body.error.message).toContain(name);
          }
          // Readiness says why, without credentials: the broker is up (healthz) but cannot serve.
          expect((await fetch(`${broker.url}/healthz`)).status).toBe(200);
          const ready = await fetch(`${broker.url}/readyz`);
          const body = (await ready.json()) as { error: { code: string; message: string; checks: Record<string, string> } };
          expect(ready.status).toBe(503);
          expect(body.error.code).toBe("not_ready");
          expect(body.error.message).toContain(name);
          expect(body.error.checks).toMatchObject({ wasm: "ok", storage: "ok" });
          expect(body.error.checks.config).toContain(name);
        } finally {
          await broker.stop();
        }
        return;
      }
      const dataDir = mkdtempSync(join(tmpdir(), `edgebroker-settings-bad-${host}-`));
      try {
        const [command, args] = serverCommand(host, dataDir);
        const env: Record<string, string | undefined> = {
          ...process.env,
          HOST: "127.0.0.1",
          PORT: "0",
          EDGEBROKER_DATA_DIR: dataDir,
          EDGEBROKER_ADMIN_TOKEN: "x",
          [name]: value,
        };
        const result = spawnSync(command, args, { cwd: ROOT, env, encoding: "utf8", timeout: 30_000 });
        expect(result.status, result.stderr).toBe(2);
        expect(result.stderr).toContain(name);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
