// Subscription patterns (PROTOCOL.md 6.2): `*` matches one path segment, `**` zero or more.
export function globMatch(pattern: string, path: string): boolean {
  const p = pattern.split("/");
  const s = path.split("/");
  const match = (i: number, j: number): boolean => {
    if (i === p.length) return j === s.length;
    if (p[i] === "**") {
      for (let k = j; k <= s.length; k++) if (match(i + 1, k)) return true;
      return false;
    }
    if (j === s.length) return false;
    return (p[i] === "*" || p[i] === s[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}
