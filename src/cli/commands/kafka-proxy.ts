// `edgebroker kafka-proxy --listen 127.0.0.1:9092 --url https://<worker>`: Kafka clients on this
// machine connect to a local TCP port; each connection becomes one WebSocket to the broker's
// GET /v1/kafka, one Kafka frame per binary message. The proxy states its listen address in
// `?advertised=`, so the broker's Metadata / DescribeCluster answers send clients back to the
// proxy — nothing in the answers is rewritten here. Authentication is the clients' own SASL/PLAIN,
// carried through untouched. docs/kafka.md.
import type { Command } from "commander";
import { createServer, type Socket } from "node:net";
import { WebSocket } from "ws";
import { InvalidArgumentError } from "commander";
import { contextOf, onInterrupt } from "../context.ts";
import { FrameSplitter } from "../kafka-frames.ts";
import { printLine } from "../output.ts";

const MAX_FRAME_BYTES = 8 * 1024 * 1024;

function hostPort(raw: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(raw);
  const port = Number(m?.[2]);
  if (!m || port > 65_535) throw new InvalidArgumentError("expected host:port, e.g. 127.0.0.1:9092");
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

function socketUrl(base: string, advertised: string): string {
  const url = new URL(`${base}/v1/kafka`);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("advertised", advertised);
  return url.href;
}

function bridge(client: Socket, target: string, log: (m: string) => void): void {
  const ws = new WebSocket(target, { maxPayload: MAX_FRAME_BYTES + 4 });
  const frames = new FrameSplitter(MAX_FRAME_BYTES);
  const pending: Uint8Array[] = [];
  const end = (why?: string) => {
    if (why) log(why);
    client.destroy();
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
  };
  client.setNoDelay(true);
  client.on("data", (chunk: Buffer) => {
    let whole: Uint8Array[];
    try {
      whole = frames.push(chunk);
    } catch (err) {
      return end(`kafka-proxy: closing a client: ${(err as Error).message}`);
    }
    for (const f of whole) {
      if (ws.readyState === WebSocket.OPEN) ws.send(f);
      else pending.push(f);
    }
  });
  ws.on("open", () => {
    for (const f of pending.splice(0)) ws.send(f);
  });
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (isBinary) client.write(data);
  });
  ws.on("unexpected-response", (_req, res) => end(`kafka-proxy: ${target.replace(/\?.*/, "")} answered HTTP ${res.statusCode} instead of a WebSocket`));
  ws.on("close", (code, reason) => end(code !== 1000 && code !== 1005 ? `kafka-proxy: broker closed the connection (${code} ${reason.toString()})` : undefined));
  ws.on("error", (err) => end(`kafka-proxy: ${err.message}`));
  client.on("close", () => end());
  client.on("error", () => end());
}

export function registerKafkaProxy(program: Command): void {
  program
    .command("kafka-proxy")
    .description("bridge local Kafka clients (TCP) to a broker's Kafka-over-WebSocket route, e.g. on Cloudflare")
    .option("--listen <host:port>", "local address Kafka clients connect to", hostPort, { host: "127.0.0.1", port: 9092 })
    .option("--advertise <host:port>", "address the broker tells clients (default: the listen address)", hostPort)
    .addHelpText("after", "\nExample:\n  edgebroker kafka-proxy --listen 127.0.0.1:9092 --url https://edgebroker.example.workers.dev\n  kcat -b 127.0.0.1:9092 -X security.protocol=SASL_PLAINTEXT -X sasl.mechanism=PLAIN \\\n    -X sasl.username=<key id> -X sasl.password=<key secret> -L")
    .action(async (opts: { listen: { host: string; port: number }; advertise?: { host: string; port: number } }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const log = (m: string) => process.stderr.write(`${m}\n`);
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(opts.listen.port, opts.listen.host, () => resolve());
      });
      const bound = server.address() as { port: number };
      const shown = opts.advertise ?? { host: opts.listen.host, port: bound.port };
      const advertised = `${shown.host.includes(":") ? `[${shown.host}]` : shown.host}:${shown.port}`;
      const target = socketUrl(ctx.conn.url, advertised);
      server.on("connection", (socket) => bridge(socket, target, log));
      printLine(`kafka-proxy: listening on ${opts.listen.host}:${bound.port} → ${target.replace(/\?.*/, "")} (advertised ${advertised})`);
      await new Promise<void>((resolve) => {
        onInterrupt(async () => {
          server.close();
          resolve();
        });
      });
    });
}
