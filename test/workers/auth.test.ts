// Until scoped API keys exist, every /v1 route needs the admin bearer token.
import { describe, expect, it } from "vitest";
import { call, createTopic, expectError } from "./api-support.ts";

describe("admin token", () => {
  it("refuses requests without a valid bearer token", async () => {
    const topic = await createTopic();
    const routes: Array<[string, string]> = [
      ["GET", "/v1/topics"],
      ["POST", "/v1/topics"],
      ["GET", `/v1/topics/${topic}`],
      ["DELETE", `/v1/topics/${topic}`],
      ["POST", `/v1/topics/${topic}/records`],
      ["GET", `/v1/topics/${topic}/partitions/0/records?offset=0`],
    ];
    for (const [method, path] of routes) {
      const none = await call(path, { method, headers: { authorization: "" } });
      await expectError(none, 401, "unauthorized");
      expect(none.headers.get("www-authenticate")).toContain("Bearer");
      await expectError(await call(path, { method, headers: { authorization: "Bearer wrong-token" } }), 401, "unauthorized");
      await expectError(await call(path, { method, headers: { authorization: "Basic abc" } }), 401, "unauthorized");
    }
    // The topic survived the unauthorized DELETE.
    expect((await call(`/v1/topics/${topic}`)).status).toBe(200);
  });

  it("serves the health probe without a token", async () => {
    const res = await call("/healthz", { headers: { authorization: "" } });
    expect(res.status).toBe(200);
  });
});
