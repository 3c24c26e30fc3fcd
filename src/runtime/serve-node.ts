// `npm run serve:node` / `node src/runtime/serve-node.ts`: the broker on Node with
// @hono/node-server (WebSockets through its `ws` integration) and node:sqlite where the Node has
// it without a flag (≥ 22.13), else SQLite compiled to WebAssembly (sqlite-wasm.ts; Node 20).
import { serve as listenNode, upgradeWebSocket, type WebSocketServerLike } from "@hono/node-server";
import type { Server } from "node:http";
import { Buffer } from "node:buffer";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";
import { serve, sleep, type RuntimeHost } from "./server.ts";
import type { OpenDatabase } from "./sqlite-driver.ts";
import { listenKafkaNode } from "./kafka-node.ts";
import { useNativeBase64 } from "../http/log/base64.ts";

export const MAX_CLIENT_FRAME = 65_536;

// Node 22 has no Uint8Array.prototype.toBase64: fetch answers encode large opaque values with
// Buffer's C++ encoder instead (portable code cannot name Buffer; see base64.ts).
useNativeBase64((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64"));
/** node:sqlite when this Node has it, else the WebAssembly build with its data-directory lock. */
async function sqlite(): Promise<{ name: string; openDatabase: OpenDatabase; claimDataDir?: (dir: string) => Promise<void> }> {
  try {
    return { name: "node:sqlite", openDatabase: (await import("./sqlite-node.ts")).openNodeDatabase };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ERR_UNKNOWN_BUILTIN_MODULE") throw err;
  }
  const wasm = await import("./sqlite-wasm.ts");
  return { name: "SQLite in WebAssembly", openDatabase: wasm.openWasmDatabase, claimDataDir: wasm.claimDataDir };
}

const driver = await sqlite();

export const nodeRuntime: RuntimeHost = {
  runtime: `node ${process.version}, ${driver.name}`,
  env: (name) => process.env[name],
  openDatabase: driver.openDatabase,
  ...(driver.claimDataDir ? { claimDataDir: driver.claimDataDir } : {}),
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
