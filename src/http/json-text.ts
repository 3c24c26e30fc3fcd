// A value's JSON text with 64-bit integers written digit for digit. MessagePack bodies may carry
// uint64/int64 beyond a double's exact range (decoded as bigint, see body-decode.ts); JSON.stringify
// refuses bigint, and converting to a number first would store 18446744073709551615 as
// 18446744073709552000. Only values holding such an integer come here; the depth of any body is
// bounded by MAX_BODY_DEPTH, so the recursion is too.

export function exactJsonText(value: unknown): string | undefined {
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => exactJsonText(v) ?? "null").join(",")}]`;
  const parts: string[] = [];
  for (const k of Object.keys(value)) {
    const text = exactJsonText((value as Record<string, unknown>)[k]);
    if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
  }
  return `{${parts.join(",")}}`;
}

/** JSON text of a decoded body value: the fast path, unless a bigint is inside. */
export function jsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (err instanceof TypeError) return exactJsonText(value);
    throw err;
  }
}

/** A value for an error message (bigints included). */
export function describe(value: unknown): string {
  return exactJsonText(value) ?? String(value);
}
