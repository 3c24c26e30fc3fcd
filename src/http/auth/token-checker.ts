// Bearer-token checks. Tokens are compared in constant time over their bytes: the time taken does
// not depend on how many leading characters match. Only the length can show, and tokens are long
// random strings, so it tells nothing useful. (Hono's timingSafeEqual hashes both strings with
// SHA-256 first, ~75 µs a request — a fifth of the Worker's budget for a small produce.)
import { constantTimeEqual } from "../../core/keys/constant-time.ts";

const utf8 = new TextEncoder();

/** A checker for one secret, encoded once. */
export function tokenChecker(secret: string): (token: string) => boolean {
  const expected = utf8.encode(secret);
  return (token) => constantTimeEqual(expected, utf8.encode(token));
}
