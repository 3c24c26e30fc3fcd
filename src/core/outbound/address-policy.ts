// Which destinations the broker may send requests to (subscription webhooks today, HTTP sinks of
// connectors later). Pure and portable: the runtime edges resolve names and call `checkAddress`
// on the address they are about to connect to (src/runtime/outbound-fetch.ts), and every host
// calls `checkOutboundUrl` first for what can be decided from the URL alone.
//
// Refused: every block of the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and
// its updates), IPv4 multicast and class E, and every IPv6 address outside global unicast
// 2000::/3 (RFC 4291 section 2.4). IPv4-mapped (::ffff:0:0/96) and NAT64 well-known-prefix
// (64:ff9b::/96, RFC 6052) addresses are judged by the IPv4 address they carry. Names reserved
// for the local host or network (RFC 6761 section 6.3 `localhost` and `*.localhost`, RFC 6762
// `.local`, RFC 8375 `home.arpa`, `.internal`) are refused without a lookup. With `allowLoopback`
// (EDGEBROKER_DS_LOOPBACK_WEBHOOKS=1, development) loopback alone is allowed, over http too.
import { formatIp, parseIp, type IpAddress } from "./ip-address.ts";

export interface OutboundPolicy {
  /** Loopback destinations (127.0.0.0/8, ::1, localhost names) and plain http to them. */
  allowLoopback: boolean;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

interface Block {
  prefix: Uint8Array;
  bits: number;
  name: string;
}

function v4(cidr: string, name: string): Block {
  const [addr, bits] = cidr.split("/");
  return { prefix: new Uint8Array(addr!.split(".").map(Number)), bits: Number(bits), name };
}

function v6(cidr: string, name: string): Block {
  const [addr, bits] = cidr.split("/");
  const ip = parseIp(addr!);
  if (!ip || ip.version !== 6) throw new Error(`bad IPv6 block ${cidr}`);
  return { prefix: ip.bytes, bits: Number(bits), name };
}

/** IANA IPv4 Special-Purpose Address Registry, plus multicast (RFC 5771) and class E (RFC 1112). */
export const IPV4_BLOCKS: readonly Block[] = [
  v4("0.0.0.0/8", "this network (RFC 791)"),
  v4("10.0.0.0/8", "private-use (RFC 1918)"),
  v4("100.64.0.0/10", "shared address space / CGNAT (RFC 6598)"),
  v4("127.0.0.0/8", "loopback (RFC 1122)"),
  v4("169.254.0.0/16", "link-local (RFC 3927)"),
  v4("172.16.0.0/12", "private-use (RFC 1918)"),
  v4("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
  v4("192.0.2.0/24", "documentation TEST-NET-1 (RFC 5737)"),
  v4("192.31.196.0/24", "AS112-v4 (RFC 7535)"),
  v4("192.52.193.0/24", "AMT (RFC 7450)"),
  v4("192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526)"),
  v4("192.168.0.0/16", "private-use (RFC 1918)"),
  v4("192.175.48.0/24", "direct delegation AS112 service (RFC 7534)"),
  v4("198.18.0.0/15", "benchmarking (RFC 2544)"),
  v4("198.51.100.0/24", "documentation TEST-NET-2 (RFC 5737)"),
  v4("203.0.113.0/24", "documentation TEST-NET-3 (RFC 5737)"),
  v4("224.0.0.0/4", "multicast (RFC 5771)"),
  v4("240.0.0.0/4", "reserved (RFC 1112)"),
  v4("255.255.255.255/32", "limited broadcast (RFC 919)"),
];

/** IANA IPv6 Special-Purpose Address Registry, and the space outside global unicast. */
export const IPV6_BLOCKS: readonly Block[] = [
  v6("::1/128", "loopback (RFC 4291)"),
  v6("::/128", "unspecified (RFC 4291)"),
  v6("64:ff9b:1::/48", "local-use IPv4/IPv6 translation (RFC 8215)"),
  v6("100::/64", "discard-only (RFC 6666)"),
  v6("100:0:0:1::/64", "dummy IPv6 prefix (RFC 9780)"),
  v6("2001::/23", "IETF protocol assignments: TEREDO, benchmarking, ORCHID, ... (RFC 2928)"),
  v6("2001:db8::/32", "documentation (RFC 3849)"),
  v6("2002::/16", "6to4 (RFC 3056)"),
  v6("2620:4f:8000::/48", "direct delegation AS112 service (RFC 7534)"),
  v6("3fff::/20", "documentation (RFC 9637)"),
  v6("5f00::/16", "segment routing SIDs (RFC 9602)"),
  v6("fc00::/7", "unique-local (RFC 4193)"),
  v6("fe80::/10", "link-local unicast (RFC 4291)"),
  v6("fec0::/10", "deprecated site-local (RFC 3879)"),
  v6("ff00::/8", "multicast (RFC 4291)"),
];

const GLOBAL_UNICAST = v6("2000::/3", "global unicast");
const IPV4_MAPPED = v6("::ffff:0:0/96", "IPv4-mapped");
const NAT64 = v6("64:ff9b::/96", "IPv4/IPv6 translation (RFC 6052)");

function inBlock(bytes: Uint8Array, block: Block): boolean {
  const full = block.bits >> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== block.prefix[i]) return false;
  const rest = block.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[full]! & mask) === (block.prefix[full]! & mask);
}

/** The special-purpose block an address falls in, or undefined for a globally reachable address. */
export function specialBlock(ip: IpAddress): string | undefined {
  if (ip.version === 4) return IPV4_BLOCKS.find((b) => inBlock(ip.bytes, b))?.name;
  if (inBlock(ip.bytes, IPV4_MAPPED) || inBlock(ip.bytes, NAT64)) {
    const inner = specialBlock({ version: 4, bytes: ip.bytes.slice(12) });
    const via = inBlock(ip.bytes, NAT64) ? "NAT64" : "IPv4-mapped";
    return inner === undefined ? undefined : `${via} ${inner}`;
  }
  const special = IPV6_BLOCKS.find((b) => inBlock(ip.bytes, b))?.name;
  if (special) return special;
  return inBlock(ip.bytes, GLOBAL_UNICAST) ? undefined : "reserved IPv6 space outside 2000::/3 (RFC 4291)";
}

function isLoopback(ip: IpAddress): boolean {
  if (ip.version === 4) return ip.bytes[0] === 127;
  if (inBlock(ip.bytes, IPV4_MAPPED)) return ip.bytes[12] === 127;
  return inBlock(ip.bytes, IPV6_BLOCKS[0]!);
}

/** Names that never leave the host or the local network (checked without a lookup). */
export function localName(host: string): string | undefined {
  const name = host.toLowerCase().replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return "localhost (RFC 6761)";
  if (name.endsWith(".local")) return "multicast DNS .local (RFC 6762)";
  if (name === "home.arpa" || name.endsWith(".home.arpa")) return "home network home.arpa (RFC 8375)";
  if (name === "internal" || name.endsWith(".internal")) return "private-use .internal";
  if (!name.includes(".") && name !== "") return "single-label name (resolved by local search domains)";
  return undefined;
}

/** Whether the broker may connect to `address`, an IP literal (e.g. what a resolver returned). */
export function checkAddress(address: string, policy: OutboundPolicy): Verdict {
  const ip = parseIp(address);
  if (!ip) return { ok: false, reason: `${JSON.stringify(address)} is not an IP address` };
  if (policy.allowLoopback && isLoopback(ip)) return { ok: true };
  const block = specialBlock(ip);
  if (block === undefined) return { ok: true };
  const canonical = formatIp(ip);
  return { ok: false, reason: `${address}${canonical === address ? "" : ` (${canonical})`} is ${block}` };
}

export type UrlCheck =
  | { ok: true; url: URL; host: string; ip: IpAddress | undefined; loopbackName: boolean }
  | { ok: false; reason: string };

/**
 * What can be decided before any lookup: the scheme, credentials in the URL, the literal address
 * or the reserved name. A name that passes still has to pass `checkAddress` once resolved.
 */
export function checkOutboundUrl(raw: string, policy: OutboundPolicy): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "not a URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "only https:// URLs are allowed" };
  if (url.username !== "" || url.password !== "") return { ok: false, reason: "credentials in the URL are not allowed" };
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const ip = parseIp(host);
  const loopbackName = ip === undefined && localName(host)?.startsWith("localhost") === true;
  const loopback = ip ? isLoopback(ip) : loopbackName;
  if (loopback && !policy.allowLoopback) {
    return { ok: false, reason: `${host} is loopback; loopback destinations are for development (EDGEBROKER_DS_LOOPBACK_WEBHOOKS=1)` };
  }
  if (url.protocol !== "https:" && !(loopback && policy.allowLoopback)) return { ok: false, reason: "only https:// URLs are allowed" };
  if (ip) {
    const verdict = checkAddress(host, policy);
    if (!verdict.ok) return verdict;
  } else if (!loopbackName) {
    const reserved = localName(host);
    if (reserved) return { ok: false, reason: `${host} is a reserved name: ${reserved}` };
  }
  return { ok: true, url, host, ip, loopbackName };
}
