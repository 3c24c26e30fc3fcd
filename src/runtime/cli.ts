// The edgebroker command on whichever runtime runs it:
//   node dist/runtime/cli.js serve       (compiled by `npm run build`; Node ≥ 20, SQLite in WebAssembly below 22.13)
//   node src/runtime/cli.ts serve        (Node ≥ 22.18: runs .ts directly)
//   bun src/runtime/cli.ts serve
//   deno run <permissions, see serve-deno.ts> src/runtime/cli.ts serve
// Configuration comes from the environment: EDGEBROKER_ADMIN_TOKEN (required), PORT, HOST,
// EDGEBROKER_DATA_DIR, EDGEBROKER_MAX_* (docs/standalone.md).
import process from "node:process";

const g = globalThis as { Bun?: unknown; Deno?: { args: string[] } };
const args = g.Deno ? g.Deno.args : process.argv.slice(2);
const USAGE = "usage: edgebroker serve   (environment: EDGEBROKER_ADMIN_TOKEN, PORT, HOST, EDGEBROKER_DATA_DIR, EDGEBROKER_MAX_*)";

if (args[0] === "serve") {
  const { serve } = await import("./server.ts");
  if (g.Bun) await serve((await import("./serve-bun.ts")).bunRuntime);
  else if (g.Deno) await serve((await import("./serve-deno.ts")).denoRuntime);
  else await serve((await import("./serve-node.ts")).nodeRuntime);
} else {
  console.error(args[0] === undefined || args[0] === "help" || args[0] === "--help" ? USAGE : `unknown command "${args[0]}"\n${USAGE}`);
  process.exitCode = args[0] === "help" || args[0] === "--help" ? 0 : 2;
}
