// The outbound-request port: every request the broker itself sends to a URL someone gave it
// (subscription webhooks; HTTP sinks of connectors) goes through one `OutboundFetch`, which
// applies the address policy (address-policy.ts) and never follows redirects — a 3xx is an
// answer, reported as `redirect`, so a destination cannot bounce the broker to an address it
// would refuse directly. Each host provides its implementation at its edge:
//   - standalone hosts (src/runtime/outbound-fetch.ts): resolve, check every address, connect to
//     the checked address itself (Host header and TLS server name set to the URL's host);
//   - Workers (`fetchOutbound` below, with the global fetch): the URL checks only — see
//     docs/security.md for what Cloudflare's network does with the rest.
import { checkOutboundUrl, type OutboundPolicy } from "./address-policy.ts";

export interface OutboundRequest {
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Whole request, connect to last byte (default 10 s). */
  timeoutMs?: number;
  /** Most response body bytes read (default 64 KiB); the rest is discarded. */
  maxResponseBytes?: number;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

export type OutboundFailure = {
  ok: false;
  /** refused: the policy said no; redirect: a 3xx answer; network: connect/TLS/DNS/timeout. */
  code: "refused" | "redirect" | "network";
  reason: string;
};

export type OutboundResult = { ok: true; response: OutboundResponse } | OutboundFailure;

export type OutboundFetch = (url: string, request: OutboundRequest, policy: OutboundPolicy) => Promise<OutboundResult>;

export const DEFAULT_OUTBOUND_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 65_536;

/** A 3xx is not followed: it fails the request, naming where it pointed. */
export function redirectFailure(status: number, location: string | null | undefined): OutboundFailure {
  return { ok: false, code: "redirect", reason: `answered ${status} (redirect to ${location ?? "nowhere"}); redirects are not followed` };
}

/** Reads at most `limit` bytes of a body stream, then cancels it. */
export async function readLimited(stream: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0);
  const out = new Uint8Array(limit);
  let length = 0;
  const reader = stream.getReader();
  try {
    while (length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.length, limit - length);
      out.set(value.subarray(0, take), length);
      length += take;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return out.slice(0, length);
}

/**
 * An OutboundFetch over a WHATWG fetch (Workers): checks the URL, sends with `redirect: "manual"`,
 * and bounds time and response size. It cannot see the address a name resolves to.
 */
export function fetchOutbound(fetchFn: typeof fetch): OutboundFetch {
  return async (raw, request, policy) => {
    const checked = checkOutboundUrl(raw, policy);
    if (!checked.ok) return { ok: false, code: "refused", reason: checked.reason };
    try {
      const res = await fetchFn(checked.url.toString(), {
        method: request.method,
        headers: request.headers,
        body: request.body as BodyInit | undefined,
        redirect: "manual",
        signal: AbortSignal.timeout(request.timeoutMs ?? DEFAULT_OUTBOUND_TIMEOUT_MS),
      });
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel().catch(() => undefined);
        return redirectFailure(res.status, res.headers.get("location"));
      }
      const body = await readLimited(res.body, request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
      const headers: Record<string, string> = {};
      res.headers.forEach((value, name) => (headers[name] = value));
      return { ok: true, response: { status: res.status, headers, body } };
    } catch (err) {
      return { ok: false, code: "network", reason: (err as Error).message };
    }
  };
}
