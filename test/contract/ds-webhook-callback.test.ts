// Regression (issue #14): a webhook's callback_url (which carries the wake's token to whoever
// calls it) was built from the request's Host header, so `Host: evil.example` on an append sent the
// receiver's callback to evil.example. It now comes from EDGEBROKER_PUBLIC_URL — set explicitly on
// workerd (a Worker has no default) and left unset on Node, Bun and Deno, whose default is their
// listen address. And a receiver answering a redirect is not followed: the 3xx is a failed
// delivery (the wake is offered again once its lease ran out), the redirect target never hears
// from the broker. Every host, a real webhook receiver on 127.0.0.1 (loopback opt-in on).
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BENCH_TOKEN } from "../../bench/lib/servers.ts";
import { everyHost, type RunningHost } from "./every-host-support.ts";

const LOOPBACK = { EDGEBROKER_DS_LOOPBACK_WEBHOOKS: "1" };
const HOSTILE_HOSTS = ["evil.example", "evil.example:8443", "127.0.0.1:1", "[::1]:9"];

type Host = RunningHost;
const starters = everyHost(LOOPBACK);

/** A request with a Host header of our choosing (fetch does not let a caller set Host). */
function send(url: string, method: string, host: string, body: string, contentType: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { host, authorization: `Bearer ${BENCH_TOKEN}`, "content-type": contentType } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe.each(Object.keys(starters))("webhook callback URLs on %s", (name) => {
  let host: Host;
  let receiver: Server;
  let receiverUrl = "";
  // Webhook bodies by subscription id (each test subscribes under an id of its own).
  const waiting = new Map<string, (body: Record<string, unknown>) => void>();
  const received = new Map<string, Record<string, unknown>>();
  let redirectHits = 0;
  let targetHits = 0;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let text = "";
      req.on("data", (d) => (text += d));
      req.on("end", () => {
        if (req.url === "/redirect") {
          redirectHits++;
          res.writeHead(302, { location: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/target` }).end();
          return;
        }
        if (req.url === "/target") {
          // Answering done would acknowledge the wake, had the broker followed the redirect.
          targetHits++;
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ done: true }));
          return;
        }
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
        const body = JSON.parse(text) as Record<string, unknown>;
        const id = body.subscription_id as string;
        const next = waiting.get(id);
        waiting.delete(id);
        if (next) next(body);
        else if (!received.has(id)) received.set(id, body);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    host = await starters[name]!();
  });
  afterAll(async () => {
    await host?.stop();
    receiver?.close();
  });

  const firstWebhook = (id: string) =>
    new Promise<Record<string, unknown>>((resolve) => (received.has(id) ? resolve(received.get(id)!) : waiting.set(id, resolve)));

  it.each(HOSTILE_HOSTS)("builds callback_url from the public URL, not from Host: %s", async (hostile) => {
    const root = `cb${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const ds = `${host.url}/ds/${root}`;
    expect(await send(`${ds}/events/a`, "PUT", hostile, "", "text/plain")).toBe(201);
    const id = `s-${root}`;
    const sub = await fetch(`${ds}/__ds/subscriptions/${id}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${BENCH_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "webhook", pattern: "events/*", webhook: { url: receiverUrl } }),
    });
    expect(sub.status).toBe(201);
    const view = (await sub.json()) as { webhook: { signing: { jwks_url: string } } };
    expect(view.webhook.signing.jwks_url).toBe(`${host.url}/ds/${root}/__ds/jwks.json`);
    expect(await send(`${ds}/events/a`, "POST", hostile, "hello", "text/plain")).toBe(204);
    const wake = await firstWebhook(id);
    expect(wake.callback_url).toBe(`${host.url}/ds/${root}/__ds/subscriptions/${id}/callback`);
    // The callback URL reaches this broker and accepts the wake's token.
    const done = await fetch(wake.callback_url as string, {
      method: "POST",
      headers: { authorization: `Bearer ${wake.callback_token}`, "content-type": "application/json" },
      body: JSON.stringify({
        wake_id: wake.wake_id,
        generation: wake.generation,
        done: true,
        acks: (wake.streams as Array<{ path: string; tail_offset: string }>).map((s) => ({ stream: s.path, offset: s.tail_offset })),
      }),
    });
    expect(done.status).toBe(200);
  });

  it("does not follow a webhook's redirect: the wake fails and is offered again", async () => {
    const root = `rd${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const ds = `${host.url}/ds/${root}`;
    const auth = { authorization: `Bearer ${BENCH_TOKEN}` };
    expect((await fetch(`${ds}/events/a`, { method: "PUT", headers: { ...auth, "content-type": "text/plain" } })).status).toBe(201);
    const sub = await fetch(`${ds}/__ds/subscriptions/redirect`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({
        type: "webhook",
        pattern: "events/*",
        webhook: { url: receiverUrl.replace(/\/hook$/, "/redirect") },
        lease_ttl_ms: 1_000,
      }),
    });
    expect(sub.status).toBe(201);
    const before = redirectHits;
    // A followed redirect would have reached /target and acknowledged the wake (no second
    // delivery). Not followed, the wake stays pending and is delivered again after its lease,
    // at the next append: append until the second delivery arrives.
    for (let i = 0; i < 120 && redirectHits < before + 2; i++) {
      expect(
        (await fetch(`${ds}/events/a`, { method: "POST", headers: { ...auth, "content-type": "text/plain" }, body: "x" })).status,
      ).toBe(204);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(redirectHits).toBeGreaterThanOrEqual(before + 2);
    expect(targetHits).toBe(0);
  });
});
