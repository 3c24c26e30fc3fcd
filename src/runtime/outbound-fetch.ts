// The standalone hosts' OutboundFetch (src/core/outbound/outbound-fetch.ts), the same code on
// Node, Bun and Deno: resolve the name (node:dns lookup, i.e. getaddrinfo with /etc/hosts),
// check every address it returned against the policy, then connect to the checked address
// itself — `host` is the IP literal, the Host header and the TLS server name (SNI and certificate
// check) are the URL's host — so the address checked is the address connected to, and a DNS
// answer that changes between check and connect (rebinding) cannot redirect the socket.
// Redirects are not followed (node:http never does; a 3xx fails the request).
import { lookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { checkAddress, checkOutboundUrl, type OutboundPolicy } from "../core/outbound/address-policy.ts";
import { formatIp } from "../core/outbound/ip-address.ts";
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_OUTBOUND_TIMEOUT_MS,
  redirectFailure,
  type OutboundFetch,
  type OutboundRequest,
  type OutboundResult,
} from "../core/outbound/outbound-fetch.ts";

/** Name → addresses. Injected by tests; by default the system resolver. */
export type Resolve = (host: string) => Promise<string[]>;

export const systemResolve: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Errors raised before anything was sent: the next checked address may be tried. */
const CONNECT_ERRORS = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "EAFNOSUPPORT"]);

type Sent = OutboundResult | (OutboundResult & { connectFailed: true });

function send(url: URL, address: string, request: OutboundRequest): Promise<Sent> {
  const limit = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const tls = url.protocol === "https:";
  const headers: Record<string, string> = { ...request.headers, host: url.host };
  const body =
    request.body === undefined ? undefined : typeof request.body === "string" ? new TextEncoder().encode(request.body) : request.body;
  if (body) headers["content-length"] = String(body.length);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Sent) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const options = {
      host: address,
      port: url.port === "" ? (tls ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: request.method,
      headers,
      // The certificate is checked against the URL's name, not the address connected to.
      servername: tls && !url.hostname.startsWith("[") && !/^[\d.]+$/.test(url.hostname) ? url.hostname : undefined,
    };
    let req: ReturnType<typeof httpRequest>;
    try {
      req = (tls ? httpsRequest : httpRequest)(options, (res: IncomingMessage) => onResponse(res));
    } catch (err) {
      // E.g. Deno without --allow-sys throws from the https agent instead of emitting "error".
      resolve({ ok: false, code: "network", reason: (err as Error).message });
      return;
    }
    const onResponse = (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        res.resume();
        req.destroy();
        finish(redirectFailure(status, res.headers.location));
        return;
      }
      const chunks: Uint8Array[] = [];
      let length = 0;
      res.on("data", (chunk: Uint8Array) => {
        if (length >= limit) return;
        const part = chunk.subarray(0, limit - length);
        chunks.push(part);
        length += part.length;
        if (length >= limit) req.destroy();
      });
      const done = () => {
        const out = new Uint8Array(length);
        let at = 0;
        for (const c of chunks) {
          out.set(c, at);
          at += c.length;
        }
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(", ") : v;
        finish({ ok: true, response: { status, headers: flat, body: out } });
      };
      res.on("end", done);
      res.on("close", done);
      res.on("error", done);
    };
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, code: "network", reason: `no answer within ${request.timeoutMs ?? DEFAULT_OUTBOUND_TIMEOUT_MS} ms` });
    }, request.timeoutMs ?? DEFAULT_OUTBOUND_TIMEOUT_MS);
    req.on("error", (err: Error & { code?: string }) => {
      const failure = { ok: false as const, code: "network" as const, reason: err.message };
      // Deno refuses an address outside --allow-net with NotCapable, also before anything is sent.
      const beforeSending = (err.code !== undefined && CONNECT_ERRORS.has(err.code)) || err.name === "NotCapable";
      finish(beforeSending ? { ...failure, connectFailed: true } : failure);
    });
    req.end(body);
  });
}

export function nodeOutboundFetch(resolve: Resolve = systemResolve): OutboundFetch {
  return async (raw, request, policy: OutboundPolicy) => {
    const checked = checkOutboundUrl(raw, policy);
    if (!checked.ok) return { ok: false, code: "refused", reason: checked.reason };
    let addresses: string[];
    if (checked.ip) {
      addresses = [formatIp(checked.ip)];
    } else {
      try {
        addresses = await resolve(checked.host);
      } catch (err) {
        return { ok: false, code: "network", reason: `cannot resolve ${checked.host}: ${(err as Error).message}` };
      }
      if (addresses.length === 0) return { ok: false, code: "network", reason: `${checked.host} has no addresses` };
    }
    // Every answer must pass: a name with one public and one private address is refused, so the
    // choice of address can never be steered towards the private one.
    for (const address of addresses) {
      const verdict = checkAddress(address, policy);
      if (!verdict.ok) return { ok: false, code: "refused", reason: `${checked.host} resolves to ${verdict.reason}` };
    }
    // In resolver order (e.g. ::1 before 127.0.0.1 for localhost), moving on only when a
    // connection could not be opened, so nothing is ever sent twice.
    let result: Sent | undefined;
    for (const address of addresses) {
      result = await send(checked.url, address, request);
      if (!("connectFailed" in result)) return result;
    }
    const { connectFailed: _, ...failure } = result as OutboundResult & { connectFailed: true };
    return failure;
  };
}
