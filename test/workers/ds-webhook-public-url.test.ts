// Regression (issue #14): webhook callback URLs were built from the request's Host header. They
// now come from EDGEBROKER_PUBLIC_URL; a Worker has no default, so without it (as in this test
// configuration) webhook subscriptions are refused with 503 naming the setting, while pull-wake
// subscriptions, which hand out no URL, still work. The callback URL itself is checked end to
// end on every host in test/contract/ds-webhook-callback.test.ts.
import { describe, expect, it } from "vitest";
import { call } from "./api-support.ts";

let counter = 0;

function subscribe(root: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(`/ds/${root}/__ds/subscriptions/s${counter++}`, {
    method: "PUT",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

describe("webhook subscriptions without EDGEBROKER_PUBLIC_URL", () => {
  it("are refused with 503 not_configured naming the setting, whatever the Host header says", async () => {
    const root = `pub${Date.now().toString(36)}`;
    for (const host of [undefined, "evil.example", "broker.example.com"]) {
      const res = await subscribe(
        root,
        { type: "webhook", pattern: "*", webhook: { url: "https://hooks.example.com/wake" } },
        host ? { host } : {},
      );
      expect(res.status, host).toBe(503);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("not_configured");
      expect(body.error.message).toContain("EDGEBROKER_PUBLIC_URL");
    }
  });

  it("still accept pull-wake subscriptions", async () => {
    const root = `pull${Date.now().toString(36)}`;
    await call(`/ds/${root}/wake`, { method: "PUT", headers: { "content-type": "application/json" } });
    expect((await subscribe(root, { type: "pull-wake", pattern: "*", wake_stream: "wake" })).status).toBe(201);
  });
});
