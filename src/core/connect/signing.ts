// Signatures on what connectors send and receive, with WebCrypto only (every host has it).
//
// Outgoing (HTTP sink) follows Standard Webhooks (standardwebhooks.com, "Signature scheme"): the
// signed content is `${webhook-id}.${webhook-timestamp}.${body}`, and `webhook-signature` holds
// space-separated `v1,<base64 HMAC-SHA256>` or `v1a,<base64 Ed25519>` entries. Receivers verify
// with any Standard Webhooks library or the few lines in docs/connectors.md.
//
// Incoming (webhook source): the third party's own scheme, a configurable header holding
// `<prefix><hex or base64 HMAC-SHA256 of the raw body>` (GitHub: X-Hub-Signature-256, "sha256=", hex).
import { constantTimeEqual } from "../keys/constant-time.ts";

const utf8 = new TextEncoder();

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array | undefined {
  try {
    const bin = atob(text.replace(/\s+/g, ""));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** WebCrypto's inputs are BufferSource; a view over a plain ArrayBuffer, copied when it is not one. */
function source(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

export async function hmacSha256(secret: string, data: Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", source(utf8.encode(secret)), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, source(data)));
}

/** An Ed25519 private key from PKCS#8, as PEM (`openssl genpkey -algorithm ed25519`) or bare base64. */
export async function importEd25519(pkcs8: string): Promise<CryptoKey | undefined> {
  const der = fromBase64(pkcs8.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, ""));
  if (!der) return undefined;
  try {
    return await crypto.subtle.importKey("pkcs8", source(der), { name: "Ed25519" }, false, ["sign"]);
  } catch {
    return undefined;
  }
}

export type Signer = { kind: "none" } | { kind: "hmac-sha256"; secret: string } | { kind: "ed25519"; key: CryptoKey };

/** The Standard Webhooks headers for one request body. */
export async function signatureHeaders(
  signer: Signer,
  id: string,
  timestampSeconds: number,
  body: Uint8Array,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = { "webhook-id": id, "webhook-timestamp": String(timestampSeconds) };
  if (signer.kind === "none") return headers;
  const prefix = utf8.encode(`${id}.${timestampSeconds}.`);
  const content = new Uint8Array(prefix.length + body.length);
  content.set(prefix);
  content.set(body, prefix.length);
  if (signer.kind === "hmac-sha256") headers["webhook-signature"] = `v1,${toBase64(await hmacSha256(signer.secret, content))}`;
  else headers["webhook-signature"] = `v1a,${toBase64(new Uint8Array(await crypto.subtle.sign("Ed25519", signer.key, source(content))))}`;
  return headers;
}

/** Whether `header` is `<prefix><encoded HMAC-SHA256(secret, body)>`, compared in constant time. */
export async function verifyHmacHeader(
  header: string | undefined,
  opts: { secret: string; prefix: string; encoding: "hex" | "base64" },
  body: Uint8Array,
): Promise<boolean> {
  if (header === undefined || !header.startsWith(opts.prefix)) return false;
  const mac = await hmacSha256(opts.secret, body);
  const expected = utf8.encode(opts.encoding === "hex" ? toHex(mac) : toBase64(mac));
  const given = header.slice(opts.prefix.length).trim();
  return constantTimeEqual(expected, utf8.encode(opts.encoding === "hex" ? given.toLowerCase() : given));
}
