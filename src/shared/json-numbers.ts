// JSON numbers are read into IEEE-754 doubles by every JavaScript JSON parser (ECMA-262
// JSON.parse), so an integer literal beyond what a double holds exactly — 18446744073709551615
// reads as 18446744073709552000 — changes silently when parsed and written again. These checks
// let each side (broker bodies, the JSON read view, the SDK, the CLI) refuse such text or keep it
// as bytes instead.

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * Whether an integer literal (optionally negative) is written again digit for digit after a trip
 * through a double: -9223372036854775808 is a double exactly, yet JSON.stringify writes it as
 * -9223372036854776000, a different integer to any reader that keeps 64-bit integers.
 */
export function integerIsExact(token: string): boolean {
  // Up to 15 digits always fit (2^53 ≈ 9.007e15); only longer literals need the check.
  return token.replace("-", "").length <= 15 || String(Number(token)) === token;
}

/** The first integer literal of JSON text, outside strings, that a double cannot hold exactly. */
export function findInexactInteger(text: string): string | undefined {
  // Cheap common case: no run of 16 digits, nothing to check.
  if (!/[0-9]{16}/.test(text)) return undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
    } else if (c === 45 /* - */ || isDigit(c)) {
      let j = i + 1;
      while (j < text.length && (isDigit(text.charCodeAt(j)) || ".eE+-".includes(text[j]!))) j++;
      const token = text.slice(i, j);
      if (/^-?[0-9]+$/.test(token) && !integerIsExact(token)) return token;
      i = j - 1;
    }
  }
  return undefined;
}
