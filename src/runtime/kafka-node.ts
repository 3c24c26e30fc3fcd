// The Kafka listener on Node (and Bun, whose node:net and node:tls are compatible): a TCP or TLS
// server whose sockets feed KafkaConnection (src/kafka/connection.ts). Backpressure: the
// connection pauses the socket while too many requests wait.
import { readFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import type { KafkaServer } from "../kafka/server.ts";
import type { KafkaListenerConfig } from "./config.ts";
import { sleep, type Listener } from "./server.ts";

export function listenKafkaNode(kafka: KafkaServer, config: KafkaListenerConfig): Promise<Listener> {
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const conn = kafka.connect({
      send: (bytes) => void socket.write(bytes),
      close: () => socket.end(),
      pause: () => socket.pause(),
      resume: () => socket.resume(),
    });
    socket.on("data", (chunk: Uint8Array) => conn.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    socket.on("error", () => conn.end("socket error"));
    socket.on("close", () => {
      sockets.delete(socket);
      conn.end();
    });
  };
  const tls = config.tlsCert && config.tlsKey;
  const server = tls
    ? createTlsServer({ cert: readFileSync(config.tlsCert!), key: readFileSync(config.tlsKey!) }, onSocket)
    : createServer(onSocket);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.hostname, () => {
      const addr = server.address();
      const port = typeof addr === "object" && addr ? addr.port : config.port;
      resolve({
        url: `${tls ? "kafka+tls" : "kafka"}://${config.hostname.includes(":") ? `[${config.hostname}]` : config.hostname}:${port}`,
        async stop(graceMs) {
          const closed = new Promise<void>((r) => server.close(() => r()));
          for (const s of sockets) s.end();
          await Promise.race([closed, sleep(graceMs)]);
          for (const s of sockets) s.destroy();
        },
      });
    });
  });
}
