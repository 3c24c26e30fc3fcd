// A local HTTP receiver for the HTTP sink (tests and bench/connectors.ts): records every request
// it gets — idempotency key, attempt, records, whether the Standard Webhooks signature verifies —
// and answers what a script says for the n-th request to a path (a status, a Retry-After, a delay
// longer than the sink's timeout), so failures happen on purpose.
import { createPublicKey, createHmac, verify, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: unknown;
  headers: Record<string, string>;
}

export interface Received {
  path: string;
  key: string;
  attempt: number;
  contentType: string;
  records: ReceivedRecord[];
  /** The signature verified (true), did not (false), or there was none (null). */
  signed: boolean | null;
  /** When the request arrived and what it was answered. */
  at: number;
  status: number;
}

export interface Answer {
  status: number;
  retryAfter?: string;
  /** Wait this long before answering (longer than http.timeout.ms: the sink sees a timeout). */
  delayMs?: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** The answer for the n-th request (1-based) to `path`; default 200. */
  script(path: string, answer: (n: number) => Answer): void;
  close(): Promise<void>;
}

export async function startReceiver(opts: { hmacSecret?: string; ed25519Public?: string } = {}): Promise<Receiver> {
  const scripts = new Map<string, (n: number) => Answer>();
  const counts = new Map<string, number>();
  const received: Received[] = [];
  const publicKey: KeyObject | undefined = opts.ed25519Public ? createPublicKey(opts.ed25519Public) : undefined;

  const check = (id: string, ts: string, body: Buffer, header: string | undefined): boolean | null => {
    if (!header) return null;
    const content = Buffer.concat([Buffer.from(`${id}.${ts}.`), body]);
    return header.split(" ").some((entry) => {
      const [version, sig] = entry.split(",");
      if (version === "v1" && opts.hmacSecret) return createHmac("sha256", opts.hmacSecret).update(content).digest("base64") === sig;
      if (version === "v1a" && publicKey) return verify(null, content, publicKey, Buffer.from(sig ?? "", "base64"));
      return false;
    });
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => {
      const path = req.url ?? "/";
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      const answer = scripts.get(path)?.(n) ?? { status: 200 };
      const body = Buffer.concat(chunks);
      const type = String(req.headers["content-type"] ?? "");
      const text = body.toString("utf8");
      const records = (
        type.includes("ndjson")
          ? text
              .split("\n")
              .filter(Boolean)
              .map((l) => JSON.parse(l))
          : JSON.parse(text).records
      ) as ReceivedRecord[];
      const id = String(req.headers["webhook-id"] ?? "");
      received.push({
        path,
        key: String(req.headers["idempotency-key"] ?? ""),
        attempt: Number(req.headers["edgebroker-attempt"] ?? 0),
        contentType: type,
        records,
        signed: check(id, String(req.headers["webhook-timestamp"] ?? ""), body, req.headers["webhook-signature"] as string | undefined),
        at: Date.now(),
        status: answer.status,
      });
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status, answer.retryAfter ? { "retry-after": answer.retryAfter } : {}).end();
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    script: (path, answer) => scripts.set(path, answer),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
