// `npm run build:console`: bundles the web console (console/src) with esbuild into build/console/:
// app-<hash>.js, app-<hash>.css and an index.html that names them. Hashed names are served as
// immutable; index.html is revalidated (src/http/console/routes.ts). No inline script or style,
// so the Content-Security-Policy needs no 'unsafe-inline'.
import { build } from "esbuild";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = join(root, "build", "console");
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const result = await build({
  entryPoints: { app: join(root, "console", "src", "main.tsx") },
  outdir,
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2022"],
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "linked",
  metafile: true,
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => f.endsWith(".js"));
const css = outputs.find((f) => f.endsWith(".css"));
if (!js || !css) throw new Error(`esbuild wrote no script or stylesheet: ${outputs.join(", ")}`);

writeFileSync(
  join(outdir, "index.html"),
  `<!doctype html>
<html lang="en" data-theme="light">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>edgebroker console</title>
<link rel="stylesheet" href="./${css}">
<script type="module" src="./${js}"></script>
</head>
<body>
<noscript>The edgebroker console needs JavaScript.</noscript>
<div id="app"></div>
</body>
</html>
`,
);
const sizes = Object.entries(result.metafile.outputs).map(([p, o]) => `${basename(p)} ${(o.bytes / 1024).toFixed(1)} KiB`);
console.log(`console: ${sizes.join(", ")}`);
