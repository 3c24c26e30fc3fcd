// Carrying out subscription wakes: a signed webhook POST (Ed25519 over `<t>.<body>`, header
// `webhook-signature: t=…,kid=…,ed25519=…`, keys published at <root>__ds/jwks.json), or an event
// appended to the subscription's pull-wake stream. Webhook URLs are checked by the outbound
// address policy when a subscription is created and again, after DNS, at every delivery.
import { formatOffset } from "../../core/streams/types.ts";
import type { SigningKey, WakeNotice } from "../../core/streams/subscriptions.ts";
import { checkOutboundUrl } from "../../core/outbound/address-policy.ts";

/**
 * Why a webhook URL is refused, or undefined when it is acceptable (PROTOCOL.md 6.2): the
 * outbound address policy's URL checks (src/core/outbound/address-policy.ts). Delivery checks
 * the resolved address again (the host's OutboundFetch).
 */
export function webhookUrlProblem(raw: string, allowLoopback: boolean): string | undefined {
  const checked = checkOutboundUrl(raw, { allowLoopback });
  return checked.ok ? undefined : `webhook.url: ${checked.reason}`;
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
  return wake.streams.map((s) => ({
    path: s.path,
    tail_offset: formatOffset(s.tail),
    acked_offset: formatOffset(s.acked),
    has_pending: s.tail > s.acked,
  }));
}
