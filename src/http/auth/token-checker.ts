// Bearer-token checks. Tokens are compared in constant time over their bytes: the time taken does
// not depend on how many leading characters match. Only the length can show, and tokens are long
// random strings, so it tells nothing useful. (Hono's timingSafeEqual hashes both strings with
// SHA-256 first, ~75 µs a request — a fifth of the Worker's budget for a small produce.)
import { constantTimeEqual } from "../../core/keys/constant-time.ts";

const utf8 = new TextEncoder();

/**
 * A checker for one secret, encoded once. Each candidate is encoded into one buffer kept for the
 * purpose, a byte longer than the secret so that a longer token shows as one: a new byte array
 * per request was one of a produce's off-heap allocations, each costing more than the compare.
 */
export function tokenChecker(secret: string): (token: string) => boolean {
  const expected = utf8.encode(secret);
  const scratch = new Uint8Array(expected.length + 1);
  return (token) => {
    const { read, written } = utf8.encodeInto(token, scratch);
    // Compared in full before the length verdict: `read` short of the token means it did not fit.
    return constantTimeEqual(expected, scratch.subarray(0, written)) && read === token.length;
  };
}
