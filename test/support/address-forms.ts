// fast-check arbitraries for the outbound address policy: a destination the policy must refuse
// (an address in a special-purpose block, or a local name), written in any textual form a URL
// parser or resolver accepts — dotted, one 32-bit number, hex, octal, two- and three-part inet_aton
// forms with per-part radix, IPv4-mapped and NAT64 IPv6, compressed or full IPv6, upper case,
// trailing dots — as the host of an http(s) URL.
import fc from "fast-check";
import { IPV4_BLOCKS, IPV6_BLOCKS } from "../../src/core/outbound/address-policy.ts";

function inBlock(prefix: Uint8Array, bits: number, random: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length);
  for (let i = 0; i < prefix.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    const mask = (0xff << (8 - keep)) & 0xff;
    out[i] = (prefix[i]! & mask) | (random[i]! & ~mask & 0xff);
  }
  return out;
}

const radix = fc.constantFrom<"dec" | "hex" | "oct">("dec", "hex", "oct");

function part(n: number, r: "dec" | "hex" | "oct", upper: boolean): string {
  if (r === "hex") return `0${upper ? "X" : "x"}${upper ? n.toString(16).toUpperCase() : n.toString(16)}`;
  if (r === "oct") return `0${n.toString(8)}`;
  return String(n);
}

/** An address in a special-purpose IPv4 block. */
export const specialIpv4 = fc
  .tuple(fc.constantFrom(...IPV4_BLOCKS), fc.uint8Array({ minLength: 4, maxLength: 4 }))
  .map(([block, random]) => inBlock(block.prefix, block.bits, random));

/** An address in a special-purpose IPv6 block (IPv4-mapped and NAT64 forms come from specialIpv4). */
export const specialIpv6 = fc
  .tuple(fc.constantFrom(...IPV6_BLOCKS), fc.uint8Array({ minLength: 16, maxLength: 16 }))
  .map(([block, random]) => inBlock(block.prefix, block.bits, random));

const ipv4Host = fc
  .tuple(specialIpv4, fc.integer({ min: 1, max: 4 }), fc.array(radix, { minLength: 4, maxLength: 4 }), fc.boolean(), fc.boolean())
  .map(([b, parts, radixes, upper, dot]) => {
    const n = ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
    const values = parts === 1 ? [n] : parts === 2 ? [b[0]!, n & 0xffffff] : parts === 3 ? [b[0]!, b[1]!, (b[2]! << 8) | b[3]!] : [...b];
    return values.map((v, i) => part(v, radixes[i]!, upper)).join(".") + (dot ? "." : "");
  });

function words(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 2) out.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return out;
}

const ipv6Text = (bytes: Uint8Array, compress: boolean, upper: boolean) => {
  let text = words(bytes).join(":");
  if (compress) text = text.replace(/(^|:)0(:0)+(:|$)/, "::");
  return `[${upper ? text.toUpperCase() : text}]`;
};

const ipv6Host = fc.oneof(
  fc.tuple(specialIpv6, fc.boolean(), fc.boolean()).map(([b, c, u]) => ipv6Text(b, c, u)),
  fc
    .tuple(specialIpv4, fc.constantFrom("::ffff:", "0:0:0:0:0:ffff:", "64:ff9b::", "::FFFF:"), fc.boolean())
    .map(([b, prefix, dotted]) => `[${prefix}${dotted ? Array.from(b).join(".") : words(b).join(":")}]`),
);

const localHost = fc
  .tuple(
    fc.constantFrom(
      "localhost",
      "localhost.",
      "LocalHost",
      "x.localhost",
      "a.b.localhost.",
      "printer.local",
      "nas.home.arpa",
      "metadata.google.internal",
      "intranet",
    ),
    fc.stringMatching(/^[a-z0-9]{0,8}$/),
  )
  .map(([name, label]) => (label && !name.startsWith("localhost") && name !== "intranet" ? `${label}.${name}` : name));

/** A URL the policy must refuse without the loopback opt-in. */
export const refusedUrl = fc
  .tuple(
    fc.constantFrom("http", "https", "HTTPS"),
    fc.oneof(ipv4Host, ipv6Host, localHost),
    fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
    fc.stringMatching(/^[a-z/]{0,12}$/),
  )
  .map(([scheme, host, port, path]) => `${scheme}://${host}${port === undefined ? "" : `:${port}`}/${path}`);
