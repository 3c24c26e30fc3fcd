// Carrying out subscription wakes: a signed webhook POST (Ed25519 over `<t>.<body>`, header
// `webhook-signature: t=…,kid=…,ed25519=…`, keys published at <root>__ds/jwks.json), or an event
// appended to the subscription's pull-wake stream. Webhook URLs are checked against SSRF first.
import { formatOffset } from "../../../core/ds-types.ts";
import type { SigningKey, WakeNotice } from "../../../core/ds-subscriptions.ts";

const PRIVATE_V4 = [/^10\./, /^127\./, /^169\.254\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^0\./, /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./];

/** Why a webhook URL is refused, or undefined when it is acceptable (PROTOCOL.md 6.2). */
export function webhookUrlProblem(raw: string, allowLoopback: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "webhook.url is not a URL";
  }
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const loopback = host === "localhost" || /^127\.0\.0\.\d{1,3}$/.test(host);
  if (loopback) return allowLoopback ? undefined : "loopback webhooks are for development; set EDGEBROKER_DS_LOOPBACK_WEBHOOKS=1 to allow them";
  if (url.protocol !== "https:") return "webhook URLs must use https://";
  if (PRIVATE_V4.some((r) => r.test(host)) || host === "::1" || host.startsWith("fe80:") || host.startsWith("fc") || host.startsWith("fd") || host.endsWith(".local") || host.endsWith(".internal")) {
    return "webhook URLs may not point at private, link-local or loopback addresses";
  }
  return undefined;
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function publicJwks(key: SigningKey): { keys: Array<Record<string, unknown>> } {
  const { kty, crv, x } = key.publicJwk as { kty: string; crv: string; x: string };
  return { keys: [{ kty, crv, x, kid: key.kid, use: "sig", alg: "EdDSA" }] };
}

export async function sign(key: SigningKey, body: string, now: number): Promise<string> {
  const t = Math.floor(now / 1000);
  const privateKey = await crypto.subtle.importKey("jwk", key.privateJwk, { name: "Ed25519" }, false, ["sign"]);
  const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, privateKey, new TextEncoder().encode(`${t}.${body}`)));
  return `t=${t},kid=${key.kid},ed25519=${base64url(signature)}`;
}

export function wakeStreams(wake: WakeNotice): Array<{ path: string; tail_offset: string; acked_offset: string; has_pending: boolean }> {
  return wake.streams.map((s) => ({ path: s.path, tail_offset: formatOffset(s.tail), acked_offset: formatOffset(s.acked), has_pending: s.tail > s.acked }));
}
