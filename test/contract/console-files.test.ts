// The web console's built files on the standalone hosts (Node, Bun, Deno, each with the
// permissions its npm script grants): the same headers as on workerd (test/browser checks those
// through wrangler.toml's [assets]): content types, immutable hashed files, a revalidated
// index.html, the CSP on every file, and nothing outside build/console/ reachable.
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_CSP } from "../../src/http/console/routes.ts";
import { RUNTIMES, startRuntime, type Target } from "./hosts-support.ts";

const built = readdirSync(new URL("../../build/console/", import.meta.url));
const script = built.find((f) => /^app-[A-Z0-9]{8}\.js$/.test(f));
const style = built.find((f) => /^app-[A-Z0-9]{8}\.css$/.test(f));

describe.each(RUNTIMES)("the console on %s", (runtime) => {
  let target: Target;
  beforeAll(async () => {
    target = await startRuntime(runtime);
  });
  afterAll(() => target?.stop());

  it("serves index.html and the hashed files with their types, caching and CSP", async () => {
    expect(script && style, "npm run build:console first").toBeTruthy();
    const root = await fetch(`${target.url}/`, { redirect: "manual" });
    expect([root.status, root.headers.get("location")]).toEqual([302, "/console/"]);
    const bare = await fetch(`${target.url}/console`, { redirect: "manual" });
    expect([bare.status, bare.headers.get("location")]).toEqual([301, "/console/"]);

    const index = await fetch(`${target.url}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    const html = await index.text();
    expect(html).toContain(`src="./${script}"`);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script for the CSP to allow

    for (const [file, type] of [
      [script, "text/javascript; charset=utf-8"],
      [style, "text/css; charset=utf-8"],
    ] as const) {
      const res = await fetch(`${target.url}/console/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get("content-type")).toBe(type);
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
  });

  it("answers 404 for anything that is not a built file", async () => {
    for (const path of [
      "/console/missing.js",
      "/console/../package.json",
      "/console/..%2Fpackage.json",
      "/console/%2e%2e/edgebroker.wasm",
      "/console/.hidden",
      "/console/a//b.js",
      "/console/%00.js",
      "/console/..\\edgebroker.wasm",
    ]) {
      const res = await fetch(target.url + path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe("not_found");
    }
  });
});
