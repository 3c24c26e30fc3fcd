// The SDK inside workerd, talking to the real Worker entry (Hono app → Durable Objects → SQLite)
// through an injected fetch — the way a Worker would use it through a Service Binding. The fetch
// records every request and can make chosen ones fail: "drop" loses the request before the
// broker sees it; "lose-answer" lets the broker handle it and then fails as if the connection
// broke before the answer arrived (the case idempotent retries exist for).
import { exports } from "cloudflare:workers";
import type { ClientOptions, FetchLike } from "../../src/client/index.ts";
import { TOKEN } from "./api-support.ts";

const worker = (exports as unknown as { default: { fetch(req: Request): Promise<Response> } }).default;

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  /** The answer's status, once it came (undefined: dropped or still pending). */
  status?: number;
}

export type Fault = "drop" | "lose-answer" | undefined;

export interface BrokerLink {
  options: ClientOptions & { fetch: FetchLike };
  requests: SeenRequest[];
  /** Decides a fault for each request (n counts requests from 0). */
  faults: (req: SeenRequest, n: number) => Fault;
}

export function brokerLink(extra: Partial<ClientOptions> = {}): BrokerLink {
  const link: BrokerLink = {
    requests: [],
    faults: () => undefined,
    options: {
      url: "http://broker",
      token: TOKEN,
      ...extra,
      fetch: async (input, init) => {
        const url = new URL(input);
        const seen: SeenRequest = {
          method: init.method ?? "GET",
          path: url.pathname,
          query: url.searchParams,
          headers: new Headers(init.headers),
        };
        const fault = link.faults(seen, link.requests.length);
        link.requests.push(seen);
        if (fault === "drop") throw new TypeError("fetch failed: connection refused (injected)");
        const response = await worker.fetch(new Request(input, init));
        seen.status = response.status;
        if (fault === "lose-answer") {
          await response.arrayBuffer();
          throw new TypeError("fetch failed: connection reset (injected, after the broker answered)");
        }
        return response;
      },
    },
  };
  return link;
}

/** The produce requests seen so far. */
export const produceRequests = (link: BrokerLink): SeenRequest[] =>
  link.requests.filter((r) => r.method === "POST" && r.path.endsWith("/records"));

/** Collects values from an async iterator until `count` have arrived. */
export async function take<T>(iterable: AsyncIterable<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  if (count === 0) return out;
  for await (const item of iterable) {
    out.push(item);
    if (out.length >= count) break;
  }
  return out;
}
