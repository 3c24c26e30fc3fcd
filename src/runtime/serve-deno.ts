// `npm run serve:deno`: the broker on Deno with node:sqlite (built into Deno ≥ 2.2, so no npm or
// jsr SQLite package and no FFI permission) and Deno.serve. Narrowest permissions that work:
//   deno run --allow-env=PORT,HOST,EDGEBROKER_* --allow-net=<HOST> \
//     --allow-read=build/edgebroker.wasm,<data dir> --allow-write=<data dir> src/runtime/serve-deno.ts
// WebSockets: Deno.upgradeWebSocket through hono/deno's helper.
import { upgradeWebSocket } from "hono/deno";
import { serve, sleep, type RuntimeHost } from "./server.ts";
import { listenKafkaNode } from "./kafka-node.ts";
import { openNodeDatabase } from "./sqlite-node.ts";

declare const Deno: {
  version: { deno: string };
  env: { get(name: string): string | undefined };
  serve(
    options: { port: number; hostname: string; onListen(addr: { hostname: string; port: number }): void },
    handler: (req: Request) => Response | Promise<Response>,
  ): { finished: Promise<void>; shutdown(): Promise<void> };
  addSignalListener(signal: "SIGINT" | "SIGTERM", handler: () => void): void;
  exit(code: number): never;
};

export const denoRuntime: RuntimeHost = {
  runtime: `deno ${Deno.version.deno}`,
  env: (name) => Deno.env.get(name),
  openDatabase: openNodeDatabase,
  upgradeWebSocket,
  listen: (app, config) =>
    new Promise((resolve) => {
      const server = Deno.serve(
        {
          port: config.port,
          hostname: config.hostname,
          onListen: ({ hostname, port }) =>
            resolve({
              url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`,
              async stop(graceMs) {
                await Promise.race([server.shutdown(), sleep(graceMs)]);
              },
            }),
        },
        (req) => app.fetch(req),
      );
    }),
  // node:net and node:tls work on this runtime too; one listener implementation for all hosts.
  listenKafka: listenKafkaNode,
  onSignal: (signal, handler) => Deno.addSignalListener(signal, handler),
  exit: (code) => Deno.exit(code),
};

if (import.meta.main) await serve(denoRuntime);
