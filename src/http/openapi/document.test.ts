// The OpenAPI document is complete and honest: every route the app serves is in it, every
// example in it passes the schema the route validates with, and docs/http-api.md is what it
// renders to.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { RouteConfig } from "@hono/zod-openapi";
import { validate } from "@readme/openapi-parser";
import { openApiDocument } from "./document.ts";
import { referenceApp } from "./reference-app.ts";
import { renderReference } from "./reference.ts";

type Media = { schema?: unknown; example?: unknown } | undefined;
type Zod = { safeParse(v: unknown): { success: boolean; error?: unknown } };
const isZod = (s: unknown): s is Zod => typeof (s as Zod)?.safeParse === "function";

const app = referenceApp();
const doc = openApiDocument(app) as unknown as { paths: Record<string, Record<string, unknown>> };

/** Hono's `/v1/topics/:topic` as OpenAPI's `/v1/topics/{topic}`; a trailing wildcard as `{path}`. */
function openApiPath(path: string): string {
  return path
    .replace(/(.)\/$/, "$1")
    .replace(/:([A-Za-z_]+)/g, "{$1}")
    .replace(/\/\*$/, "/{path}");
}

const routes = app.openAPIRegistry.definitions.flatMap((d) => (d.type === "route" ? [d.route as RouteConfig] : []));

describe("GET /openapi.json", () => {
  it("documents every route the app registers", () => {
    // Middleware (app.use) is registered as ALL; /ds is one ALL route that dispatches by method,
    // documented per operation.
    const served = [...new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${openApiPath(r.path)}`))];
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    expect(served.filter((r) => !documented.has(r))).toEqual([]);
    expect(served.length).toBeGreaterThan(30);
    for (const method of ["PUT", "POST", "GET", "HEAD", "DELETE"]) expect(documented).toContain(`${method} /ds/{path}`);
  });

  it("has an example for every request body, and every example passes its schema", () => {
    let checked = 0;
    let parameters = 0;
    const check = (where: string, schema: unknown, example: unknown) => {
      if (example === undefined || !isZod(schema)) return;
      const result = schema.safeParse(example);
      expect(result.success, `${where}: ${JSON.stringify(result.error)}`).toBe(true);
      checked++;
    };
    for (const route of routes) {
      const name = `${route.method.toUpperCase()} ${route.path}`;
      for (const [type, media] of Object.entries((route.request?.body?.content ?? {}) as Record<string, Media>)) {
        if (isZod(media?.schema) && /json|msgpack/.test(type)) expect(media.example, `${name} ${type} request example`).toBeDefined();
        check(`${name} request ${type}`, media?.schema, media?.example);
      }
      for (const [status, response] of Object.entries(route.responses)) {
        const content = "content" in response ? (response.content ?? {}) : {};
        for (const [type, media] of Object.entries(content as Record<string, Media>))
          check(`${name} ${status} ${type}`, media?.schema, media?.example);
      }
    }
    // Parameter examples are strings on the wire, whatever type the schema documents.
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(
        item as Record<string, { parameters?: { name: string; in: string; schema: { example?: unknown } }[] }>,
      )) {
        const route = routes.find((r) => r.method === method && r.path === path);
        for (const p of op.parameters ?? []) {
          if (p.schema.example === undefined || !route) continue;
          const group = { path: route.request?.params, query: route.request?.query, header: route.request?.headers }[p.in] as
            | { shape?: Record<string, unknown> }
            | undefined;
          check(`${method} ${path} ${p.in} ${p.name}`, group?.shape?.[p.name], String(p.schema.example));
          parameters++;
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
    expect(parameters).toBeGreaterThan(20);
  });

  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await validate(structuredClone(doc) as never);
    expect("errors" in result ? result.errors : []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("docs/http-api.md is the page the document renders to (node scripts/http-api-doc.ts)", async () => {
    const page = await readFile(new URL("../../../docs/http-api.md", import.meta.url), "utf8");
    expect(page).toBe(renderReference(doc as unknown as Record<string, unknown>));
  });

  it("is served without authentication, with the request's origin as the server", async () => {
    const res = await app.request("http://broker.example:8787/openapi.json");
    expect(res.status).toBe(200);
    const served = (await res.json()) as { openapi: string; servers: { url: string }[]; paths: object };
    expect(served.openapi).toBe("3.1.0");
    expect(served.servers).toEqual([{ url: "http://broker.example:8787" }]);
    expect(Object.keys(served.paths)).toEqual(Object.keys(doc.paths));
    expect(JSON.stringify(served)).not.toContain("reference");
  });
});
