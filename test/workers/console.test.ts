// The web console inside workerd: the Worker reads build/console/ through the ASSETS binding of
// wrangler.toml's [assets] and answers with the route's headers (src/http/console/routes.ts).
// The browser drives it in test/browser; this pins the binding and the headers in this layer.
import { expect, it } from "vitest";
import { CONSOLE_CSP } from "../../src/http/console/routes.ts";
import { call, testEnv } from "./api-support.ts";

it("serves index.html and its hashed script from the static-assets binding", async () => {
  expect(testEnv.ASSETS, "wrangler.toml [assets] binding").toBeDefined();
  const index = await call("/console/", { headers: { authorization: "" } });
  expect(index.status).toBe(200);
  expect(index.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
  expect(index.headers.get("cache-control")).toBe("no-cache");
  const script = /src="\.\/(app-[A-Z0-9]{8}\.js)"/.exec(await index.text())?.[1];
  expect(script).toBeDefined();
  const js = await call(`/console/${script}`);
  expect([js.status, js.headers.get("content-type"), js.headers.get("cache-control")]).toEqual([
    200,
    "text/javascript; charset=utf-8",
    "public, max-age=31536000, immutable",
  ]);
  expect((await call("/console/missing.js")).status).toBe(404);
  const root = await call("/", { redirect: "manual" });
  expect([root.status, root.headers.get("location")]).toEqual([302, "/console/"]);
});
