#!/usr/bin/env node
// The `edgebroker` command (package.json "bin"): the CLI compiled by `npm run build`, which runs
// in the repository on `npm install` (prepare) and before `npm pack`, so the package ships it.
try {
  await import("../dist/cli/index.js");
} catch (e) {
  if (e?.code === "ERR_MODULE_NOT_FOUND" && String(e.message).includes("dist/cli/index.js")) {
    const root = new URL("..", import.meta.url).pathname;
    console.error(`edgebroker is not built yet: run \`npm run build\` in ${root}`);
    process.exit(1);
  }
  throw e;
}
