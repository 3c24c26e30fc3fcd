// Streams outlive the request that authenticated them (SSE tails, WebSocket tails, Durable Streams
// live reads). They ask the API key's object again — check(), which charges nothing — at most once
// per interval, and end with the same message when the key no longer opens (revoked, or rotated
// past its grace period). The interval is EDGEBROKER_CREDENTIAL_CHECK_MS (default 30 s): a
// revocation reaches open streams within it, at one key-object call per interval per stream.

export const CREDENTIAL_CHECK_MS = 30_000;

/** The `end` a stream sends when its credentials stop opening (SSE event data, WebSocket message). */
export const REVOKED_END = {
  reason: "credentials_revoked",
  message: "the API key this stream was opened with was revoked or rotated; reconnect with a valid key",
} as const;

/** The interval from a host's environment value; malformed or absent → the default. */
export function credentialCheckMs(raw: unknown): number {
  const value = Number(raw);
  return raw !== undefined && raw !== "" && Number.isSafeInteger(value) && value > 0 ? value : CREDENTIAL_CHECK_MS;
}
