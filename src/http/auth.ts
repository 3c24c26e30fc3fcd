// Bearer-token checks. Tokens are compared in constant time over their bytes: the time taken does
// not depend on how many leading characters match. Only the length can show, and tokens are long
// random strings, so it tells nothing useful. (Hono's timingSafeEqual hashes both strings with
// SHA-256 first, ~75 µs a request — a fifth of the Worker's budget for a small produce.)
const utf8 = new TextEncoder();

export function constantTimeEqual(expected: Uint8Array, actual: Uint8Array): boolean {
  let diff = expected.length ^ actual.length;
  const n = expected.length;
  for (let i = 0; i < n; i++) diff |= expected[i]! ^ (actual[i % Math.max(actual.length, 1)] ?? 0);
  return diff === 0;
}

/** A checker for one secret, encoded once. */
export function tokenChecker(secret: string): (token: string) => boolean {
  const expected = utf8.encode(secret);
  return (token) => constantTimeEqual(expected, utf8.encode(token));
}
