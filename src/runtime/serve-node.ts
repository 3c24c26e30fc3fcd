// `npm run serve:node` / `node src/runtime/serve-node.ts`: the broker on Node ≥ 22.5 with
// node:sqlite and @hono/node-server (WebSockets through its `ws` integration).
import { serve as listenNode, upgradeWebSocket, type WebSocketServerLike } from "@hono/node-server";
import type { Server } from "node:http";
import { Buffer } from "node:buffer";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";
import { serve, sleep, type RuntimeHost } from "./server.ts";
import { openNodeDatabase } from "./sqlite-node.ts";
import { listenKafkaNode } from "./kafka-node.ts";
import { useNativeBase64 } from "../http/log/base64.ts";

export const MAX_CLIENT_FRAME = 65_536;

// Node 22 has no Uint8Array.prototype.toBase64: fetch answers encode large opaque values with
// Buffer's C++ encoder instead (portable code cannot name Buffer; see base64.ts).
useNativeBase64((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64"));

export const nodeRuntime: RuntimeHost = {
  runtime: `node ${process.version}`,
  env: (name) => process.env[name],
  openDatabase: openNodeDatabase,
  upgradeWebSocket,
  listen: (app, config) =>
    new Promise((resolve, reject) => {
      // Clients only send acks: a small frame limit (ws allows 100 MiB by default).
      const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME }) as unknown as WebSocketServerLike;
      const options = { fetch: app.fetch, port: config.port, hostname: config.hostname, websocket: { server: wss } };
      const server = listenNode(options, (info) => {
        resolve({
          url: `http://${info.family === "IPv6" ? `[${info.address}]` : info.address}:${info.port}`,
          async stop(graceMs) {
            const closed = new Promise<void>((r) => server.close(() => r()));
            // Keep-alive connections: close each as soon as it has no request in flight.
            const sweep = setInterval(() => server.closeIdleConnections(), 20);
            server.closeIdleConnections();
            await Promise.race([closed, sleep(graceMs)]);
            clearInterval(sweep);
            server.closeAllConnections();
          },
        });
      }) as Server;
      server.once("error", reject);
    }),
  listenKafka: listenKafkaNode,
  onSignal: (signal, handler) => void process.on(signal, handler),
  exit: (code) => process.exit(code),
};

// Started directly (not imported by cli.ts). Node 22 has no import.meta.main yet.
if (process.argv[1] === fileURLToPath(import.meta.url)) await serve(nodeRuntime);
