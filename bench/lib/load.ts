// A closed-loop HTTP load generator: `concurrency` clients on keep-alive connections, each sending
// its next request as soon as the previous answer arrives, for a fixed number of requests.
import http from "node:http";

export interface RequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  latenciesMs: number[];
  bytesIn: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function send(
  base: string,
  agent: http.Agent,
  spec: RequestSpec,
): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
  const url = new URL(spec.path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: spec.method, agent, headers: { ...spec.headers, ...(spec.body ? { "content-length": String(spec.body.length) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(spec.body);
  });
}

/**
 * Runs `total` requests over `concurrency` connections; `next(i, client)` gives request i, sent by
 * client number `client` (each client sends its requests one after another, so per-client
 * sequences such as an idempotent producer's stay in order). Any non-2xx aborts the run.
 */
export async function runLoad(
  base: string,
  concurrency: number,
  total: number,
  next: (i: number, client: number) => RequestSpec,
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latenciesMs: number[] = [];
  let issued = 0;
  let bytesIn = 0;
  const started = process.hrtime.bigint();
  const worker = async (_: unknown, client: number) => {
    while (issued < total) {
      const spec = next(issued++, client);
      const t0 = process.hrtime.bigint();
      const res = await send(base, agent, spec);
      latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (res.status < 200 || res.status >= 300)
        throw new Error(`${spec.method} ${spec.path} → ${res.status}: ${res.body.toString().slice(0, 300)}`);
      bytesIn += res.body.length;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latenciesMs.sort((a, b) => a - b);
  return { requests: total, seconds, latenciesMs, bytesIn };
}

/** next_offset of a JSON or MessagePack fetch answer, found without decoding the records. */
export function nextOffset(body: Buffer, kind: "json" | "msgpack"): number {
  if (kind === "json") {
    const at = body.lastIndexOf('"next_offset":');
    return Number(/^\d+/.exec(body.subarray(at + 14, at + 40).toString())![0]);
  }
  const at = body.lastIndexOf("next_offset") + 11; // after the fixstr key: a positive int
  const tag = body[at]!;
  if (tag < 0x80) return tag;
  if (tag === 0xcc) return body.readUInt8(at + 1);
  if (tag === 0xcd) return body.readUInt16BE(at + 1);
  if (tag === 0xce) return body.readUInt32BE(at + 1);
  throw new Error(`next_offset: unexpected MessagePack tag 0x${tag.toString(16)}`);
}
