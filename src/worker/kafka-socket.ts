// GET /v1/kafka on Cloudflare: the Kafka wire protocol over a WebSocket (DESIGN.md 7). Each
// binary message is one Kafka frame, size prefix included, both ways; the socket is terminated in
// the Worker, whose KafkaServer calls the same objects the HTTP routes do. Authentication is
// SASL/PLAIN inside the protocol, as on TCP. `edgebroker kafka-proxy` bridges local TCP clients to
// this route and states, in `?advertised=host:port`, the address its clients must be told in
// Metadata / DescribeCluster answers (its own listen address) — the broker answers with it for
// that connection only, so no answer needs rewriting on the way.
import type { BrokerAddress } from "../kafka/api.ts";
import type { KafkaServer } from "../kafka/server.ts";

const ADVERTISED = /^([A-Za-z0-9.-]{1,253}|\[[0-9a-fA-F:]{2,39}\]):(\d{1,5})$/;

function error(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

export function parseAdvertised(raw: string | null, nodeId: number): BrokerAddress | undefined | "invalid" {
  if (raw === null) return undefined;
  const m = ADVERTISED.exec(raw);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65_535) return "invalid";
  return { nodeId, host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) };
}

export function kafkaSocket(request: Request, server: KafkaServer): Response {
  if (server.config.deps.configError) return error(503, "not_configured", server.config.deps.configError);
  if (request.method !== "GET") return error(405, "method_not_allowed", "GET /v1/kafka with Upgrade: websocket");
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return error(426, "upgrade_required", "this route is the Kafka protocol over a WebSocket: send Upgrade: websocket (or run `edgebroker kafka-proxy` and point Kafka clients at it)");
  }
  const advertised = parseAdvertised(new URL(request.url).searchParams.get("advertised"), server.config.broker.nodeId);
  if (advertised === "invalid") return error(400, "invalid_parameter", "advertised: expected host:port (the address Kafka clients connect to)");
  const pair = new WebSocketPair();
  const [client, socket] = [pair[0], pair[1]];
  socket.accept();
  // With the standard binary type (compatibility flag websocket_standard_binary_type) binary
  // messages arrive as Blobs; ask for ArrayBuffers, and still accept Blobs in arrival order.
  (socket as unknown as { binaryType?: string }).binaryType = "arraybuffer";
  let blobs: Promise<void> = Promise.resolve();
  let open = true;
  const conn = server.connect({
    send: (bytes) => {
      if (open) socket.send(bytes);
    },
    close: (reason) => {
      if (!open) return;
      open = false;
      // Close reasons are limited to 123 bytes.
      socket.close(1008, reason.slice(0, 120));
    },
  }, advertised);
  socket.addEventListener("message", (event) => {
    if (typeof event.data === "string") {
      conn.end("text message");
      open = false;
      socket.close(1003, "binary messages only: one Kafka frame each");
      return;
    }
    const data = event.data as ArrayBuffer | Blob;
    if (data instanceof ArrayBuffer) conn.receive(new Uint8Array(data));
    else blobs = blobs.then(async () => conn.receive(new Uint8Array(await data.arrayBuffer())));
  });
  socket.addEventListener("close", () => {
    open = false;
    conn.end();
  });
  socket.addEventListener("error", () => {
    open = false;
    conn.end("socket error");
  });
  return new Response(null, { status: 101, webSocket: client });
}
