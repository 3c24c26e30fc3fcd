// `npm run serve:bun` / `bun src/runtime/serve-bun.ts`: the broker on Bun with bun:sqlite and
// Bun.serve (WebSockets through hono/bun's helper and Bun's own WebSocket server).
import { upgradeWebSocket, websocket } from "hono/bun";
import process from "node:process";
import { serve, sleep, type RuntimeHost } from "./server.ts";
import { listenKafkaNode } from "./kafka-node.ts";
import { openBunDatabase } from "./sqlite-bun.ts";

interface BunServer {
  readonly url: URL;
  stop(closeActiveConnections?: boolean): Promise<void>;
}
declare const Bun: {
  version: string;
  serve(options: {
    port: number;
    hostname: string;
    idleTimeout: number;
    fetch: (req: Request, server: BunServer) => Response | Promise<Response>;
    websocket: typeof websocket & { maxPayloadLength: number };
  }): BunServer;
};

export const bunRuntime: RuntimeHost = {
  runtime: `bun ${Bun.version}`,
  env: (name) => process.env[name],
  openDatabase: openBunDatabase,
  upgradeWebSocket,
  async listen(app, config) {
    const server = Bun.serve({
      port: config.port,
      hostname: config.hostname,
      // Bun closes a connection idle for 10 s by default, which would cut long-polls short:
      // allow the longest wait plus a margin (Bun's maximum is 255 s).
      idleTimeout: Math.min(255, Math.ceil(config.limits.maxWaitMs / 1000) + 10),
      // The server is the env hono/bun's upgrade helper looks for.
      fetch: (req, server) => app.fetch(req, server),
      // Clients only send acks: a small frame limit (Bun allows 16 MiB by default).
      websocket: { ...websocket, maxPayloadLength: 65_536 },
    });
    return {
      url: server.url.href.replace(/\/$/, ""),
      async stop(graceMs) {
        await Promise.race([server.stop(false), sleep(graceMs)]);
        await server.stop(true);
      },
    };
  },
  // node:net and node:tls work on this runtime too; one listener implementation for all hosts.
  listenKafka: listenKafkaNode,
  onSignal: (signal, handler) => void process.on(signal, handler),
  exit: (code) => process.exit(code),
};

if (import.meta.main) await serve(bunRuntime);
