// Constant-time comparison of secrets: the time taken does not depend on how many leading bytes
// match. Only the length can show; callers compare digests or long random tokens, where length
// tells nothing.
export function constantTimeEqual(expected: Uint8Array, actual: Uint8Array): boolean {
  let diff = expected.length ^ actual.length;
  const n = expected.length;
  for (let i = 0; i < n; i++) diff |= expected[i]! ^ (actual[i % Math.max(actual.length, 1)] ?? 0);
  return diff === 0;
}
