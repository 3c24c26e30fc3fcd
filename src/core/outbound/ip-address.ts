// Parsing IP address literals in every textual form a resolver or URL parser accepts, so the
// outbound policy classifies what the socket would connect to, not what the text looks like.
//
// IPv4 follows inet_aton(3) and the WHATWG URL host parser (URL Standard, "IPv4 parser"): one to
// four parts, each decimal, octal (leading 0) or hex (0x); the last part fills the remaining
// bytes, so `2130706433`, `0x7f.1`, `0177.0.0.1` and `127.1` are all 127.0.0.1. IPv6 follows
// RFC 4291 section 2.2 (`::` compression, embedded dotted IPv4) with an optional RFC 6874 zone
// id (`fe80::1%eth0`), bracketed or not.

export type IpAddress = { version: 4; bytes: Uint8Array } | { version: 6; bytes: Uint8Array; zone?: string };

function ipv4Part(text: string): number | undefined {
  if (text === "") return undefined;
  let digits = text;
  let radix = 10;
  if (/^0[xX]/.test(text)) {
    digits = text.slice(2);
    radix = 16;
    if (digits === "") return 0; // "0x" is 0 in the URL parser
    if (!/^[0-9a-fA-F]+$/.test(digits)) return undefined;
  } else if (text.length > 1 && text.startsWith("0")) {
    digits = text.slice(1);
    radix = 8;
    if (!/^[0-7]+$/.test(digits)) return undefined;
  } else if (!/^[0-9]+$/.test(digits)) {
    return undefined;
  }
  // Long digit strings cannot be exact doubles; anything past 2^32 is refused below anyway.
  if (digits.replace(/^0+/, "").length > 12) return Number.POSITIVE_INFINITY;
  return parseInt(digits, radix);
}

/** An IPv4 address in any inet_aton form, or undefined when `text` is not one. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const raw = text.endsWith(".") ? text.slice(0, -1) : text; // the URL parser allows one trailing dot
  const parts = raw.split(".");
  if (parts.length === 0 || parts.length > 4) return undefined;
  const values: number[] = [];
  for (const p of parts) {
    const v = ipv4Part(p);
    if (v === undefined) return undefined;
    values.push(v);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255)) return undefined;
  if (last >= 256 ** (4 - values.length)) return undefined;
  let n = last;
  values.forEach((v, i) => (n += v * 256 ** (3 - i)));
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

/** Strict dotted-quad (the only IPv4 form allowed inside an IPv6 address). */
function dottedQuad(text: string): Uint8Array | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const bytes = m.slice(1).map(Number);
  return bytes.every((b) => b <= 255) ? new Uint8Array(bytes) : undefined;
}

/** An IPv6 address (brackets and zone id allowed), or undefined when `text` is not one. */
export function parseIpv6(text: string): { bytes: Uint8Array; zone?: string } | undefined {
  let s = text;
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  let zone: string | undefined;
  const pct = s.indexOf("%");
  if (pct >= 0) {
    zone = decodeZone(s.slice(pct + 1));
    if (zone === undefined) return undefined;
    s = s.slice(0, pct);
  }
  if (!s.includes(":")) return undefined;
  const words: number[] = [];
  let tail: number[] = [];
  let v4: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    v4 = dottedQuad(s.slice(lastColon + 1));
    if (!v4) return undefined;
    s = s.slice(0, lastColon + 1) + "0:0"; // placeholder words, replaced below
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const parseWords = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    for (const w of part.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return undefined;
      out.push(parseInt(w, 16));
    }
    return out;
  };
  const head = parseWords(halves[0]!);
  if (!head) return undefined;
  words.push(...head);
  if (halves.length === 2) {
    const t = parseWords(halves[1]!);
    if (!t) return undefined;
    tail = t;
    if (words.length + tail.length > 7) return undefined;
    while (words.length + tail.length < 8) words.push(0);
    words.push(...tail);
  } else if (words.length !== 8) {
    return undefined;
  }
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[i * 2] = w >> 8;
    bytes[i * 2 + 1] = w & 255;
  });
  if (v4) bytes.set(v4, 12);
  return zone === undefined ? { bytes } : { bytes, zone };
}

function decodeZone(raw: string): string | undefined {
  // RFC 6874: in a URI the "%" is itself encoded as "%25".
  const text = raw.startsWith("25") && raw.length > 2 ? raw.slice(2) : raw;
  return /^[A-Za-z0-9._~-]+$/.test(text) ? text : undefined;
}

/** An IP address literal in any accepted form, or undefined for a DNS name. */
export function parseIp(host: string): IpAddress | undefined {
  const v6 = parseIpv6(host);
  if (v6) return { version: 6, ...v6 };
  if (host.startsWith("[")) return undefined;
  const v4 = parseIpv4(host);
  return v4 ? { version: 4, bytes: v4 } : undefined;
}

export function formatIp(ip: IpAddress): string {
  if (ip.version === 4) return Array.from(ip.bytes).join(".");
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((ip.bytes[i]! << 8) | ip.bytes[i + 1]!).toString(16));
  return words.join(":") + (ip.zone ? `%${ip.zone}` : "");
}
