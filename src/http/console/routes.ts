// The web console (docs/console.md): the built files of console/ served under /console/ on every
// host. The host passes a function that reads one file of the build (build/console/ on disk, or
// the Workers static-assets binding); everything about how the files are served is decided here,
// once, so every host answers with the same types, caching and Content-Security-Policy.
//
// The console is a pure client of /v1: it holds the token in sessionStorage and sends it as
// `Authorization: Bearer`, so nothing here authenticates, and nothing here ever sees a token.
import { type OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { openApp } from "../openapi/route.ts";
import { errors } from "../openapi/schemas.ts";
import type { AppDeps } from "../deps.ts";

export const CONSOLE_PREFIX = "/console";

/**
 * Scripts, styles and fonts only from this origin; data only from this origin's API; no inline
 * script or style, no frames, no plugins, no form posts elsewhere. Styles set from script through
 * the CSSOM (Preact's style prop, uPlot's layout) are not inline styles and are allowed.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json",
  map: "application/json",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  woff2: "font/woff2",
  txt: "text/plain; charset=utf-8",
};

/** One or more path segments of safe characters, each with no leading dot (so no `..`, no dotfiles). */
const SAFE_PATH = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}\/){0,4}[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
/** esbuild's `[name]-[hash]` entry names: the content hash is 8 upper-case base32 characters. */
const HASHED = /-[A-Z0-9]{8}\.[a-z0-9]+$/;

function notFound(c: Context, message: string) {
  return c.json({ error: { code: "not_found", message } }, 404);
}

const tags = ["Web console"];
const html = (summary: string): RouteConfig["responses"] => ({
  200: { description: summary, content: { "text/html; charset=utf-8": { schema: z.string() } } },
  301: { description: "Redirect to /console/" },
  404: { description: "Not served by this broker, or no such file", content: errors(404)[404]!.content },
});
/** The console's routes, documented (static files: served by the plain routes below). */
const CONSOLE_DOC: RouteConfig[] = [
  {
    method: "get",
    path: "/",
    tags,
    summary: "Redirects to /console/ when the console is served",
    security: [],
    responses: { 302: { description: "To /console/" }, ...errors(404) },
  },
  { method: "get", path: CONSOLE_PREFIX, tags, summary: "Redirects to /console/", security: [], responses: html("Redirect") },
  {
    method: "get",
    path: `${CONSOLE_PREFIX}/{path}`,
    tags,
    summary: "The web console's files (docs/console.md); it signs in with a bearer token in the browser",
    security: [],
    request: { params: z.object({ path: z.string().openapi({ example: "index.html" }) }) },
    responses: html("A console file (HTML, JS, CSS, fonts) with its CSP and caching headers"),
  },
];

export function consoleRoutes(deps: AppDeps): OpenAPIHono {
  const app = openApp();
  for (const route of CONSOLE_DOC) app.openAPIRegistry.registerPath(route);
  const read = deps.consoleFiles;

  app.get("/", (c) => (read ? c.redirect(`${CONSOLE_PREFIX}/`, 302) : notFound(c, "no route for GET /")));
  app.get(CONSOLE_PREFIX, (c) => c.redirect(`${CONSOLE_PREFIX}/`, 301));
  app.get(`${CONSOLE_PREFIX}/*`, async (c) => {
    if (!read) return notFound(c, "the web console is not served by this broker (build it with `npm run build:console`)");
    const path = new URL(c.req.url).pathname.slice(CONSOLE_PREFIX.length + 1) || "index.html";
    if (!SAFE_PATH.test(path)) return notFound(c, "no such console file");
    const bytes = await read(path);
    if (!bytes)
      return notFound(c, path === "index.html" ? "the web console is not built (run `npm run build:console`)" : "no such console file");
    const ext = path.slice(path.lastIndexOf(".") + 1);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      "content-type": TYPES[ext] ?? "application/octet-stream",
      // Hashed names never change content; index.html names the current ones, so it is revalidated.
      "cache-control": HASHED.test(path) ? "public, max-age=31536000, immutable" : "no-cache",
      "content-security-policy": CONSOLE_CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
      "cross-origin-opener-policy": "same-origin",
    });
  });
  return app;
}
