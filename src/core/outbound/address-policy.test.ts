// The outbound address policy: every special-purpose block of the IANA registries refused at both
// ends and allowed just outside (unless the neighbour is special too), every textual form of an
// address classified as the address it denotes, reserved names refused without a lookup.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { refusedUrl } from "../../../test/support/address-forms.ts";
import { checkAddress, checkOutboundUrl, IPV4_BLOCKS, IPV6_BLOCKS, localName, specialBlock } from "./address-policy.ts";
import { formatIp, parseIp, parseIpv4 } from "./ip-address.ts";

const STRICT = { allowLoopback: false };
const DEV = { allowLoopback: true };

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
}

function fromBigInt(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(n & 255n);
    n >>= 8n;
  }
  return out;
}

/** First address, last address, and the neighbours just outside, of a block. */
function ends(prefix: Uint8Array, bits: number) {
  const width = BigInt(prefix.length * 8);
  const size = 1n << (width - BigInt(bits));
  const first = (toBigInt(prefix) / size) * size;
  const last = first + size - 1n;
  const max = (1n << width) - 1n;
  const at = (n: bigint) => fromBigInt(n, prefix.length);
  return {
    first: at(first),
    last: at(last),
    before: first > 0n ? at(first - 1n) : undefined,
    after: last < max ? at(last + 1n) : undefined,
  };
}

describe("IPv4 special-purpose blocks", () => {
  it.each(IPV4_BLOCKS.map((b) => [b.name, b] as const))("refuses %s at both ends", (_, block) => {
    const { first, last } = ends(block.prefix, block.bits);
    for (const bytes of [first, last]) {
      const text = formatIp({ version: 4, bytes });
      expect(checkAddress(text, STRICT).ok, text).toBe(false);
      // The same address as IPv4-mapped and NAT64 IPv6.
      const mapped = `::ffff:${text}`;
      const nat64 = `64:ff9b::${text}`;
      expect(checkAddress(mapped, STRICT).ok, mapped).toBe(false);
      expect(checkAddress(nat64, STRICT).ok, nat64).toBe(false);
    }
  });

  it("allows the neighbours of each block that are not special themselves", () => {
    for (const block of IPV4_BLOCKS) {
      const { before, after } = ends(block.prefix, block.bits);
      for (const bytes of [before, after]) {
        if (!bytes) continue;
        const ip = { version: 4 as const, bytes };
        expect(checkAddress(formatIp(ip), STRICT).ok, `${formatIp(ip)} next to ${block.name}`).toBe(specialBlock(ip) === undefined);
      }
    }
    for (const open of [
      "8.8.8.8",
      "1.1.1.1",
      "93.184.215.14",
      "100.63.255.255",
      "100.128.0.0",
      "172.15.255.255",
      "172.32.0.0",
      "198.17.255.255",
      "198.20.0.0",
      "223.255.255.255",
    ]) {
      expect(checkAddress(open, STRICT), open).toEqual({ ok: true });
    }
  });
});

describe("IPv6 special-purpose blocks and reserved space", () => {
  it.each(IPV6_BLOCKS.map((b) => [b.name, b] as const))("refuses %s at both ends", (_, block) => {
    const { first, last } = ends(block.prefix, block.bits);
    for (const bytes of [first, last]) {
      const text = formatIp({ version: 6, bytes });
      expect(checkAddress(text, STRICT).ok, text).toBe(false);
    }
  });

  it("refuses everything outside global unicast 2000::/3 and allows global unicast", () => {
    for (const text of ["::2", "1::", "1fff:ffff::1", "4000::1", "e000::1", "fbff::1", "::7f00:1", "::127.0.0.1"])
      expect(checkAddress(text, STRICT).ok, text).toBe(false);
    for (const text of ["2000::1", "2606:4700:4700::1111", "2a00:1450:4001:800::200e", "3ffe::1", "2001:200::1"])
      expect(checkAddress(text, STRICT), text).toEqual({ ok: true });
  });

  it("judges IPv4-mapped and NAT64 addresses by the IPv4 address they carry", () => {
    expect(checkAddress("::ffff:8.8.8.8", STRICT)).toEqual({ ok: true });
    expect(checkAddress("64:ff9b::808:808", STRICT)).toEqual({ ok: true });
    for (const text of [
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "::ffff:169.254.169.254",
      "0:0:0:0:0:ffff:a00:1",
      "64:ff9b::a9fe:a9fe",
      "64:ff9b::127.0.0.1",
      "64:ff9b:1::8.8.8.8",
    ]) {
      expect(checkAddress(text, STRICT).ok, text).toBe(false);
    }
  });
});

describe("textual forms", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["2130706433", "127.0.0.1"],
    ["0x7f.1", "127.0.0.1"],
    ["0x7f000001", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["0177.1", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["127.0.1", "127.0.0.1"],
    ["0", "0.0.0.0"],
    ["0x0", "0.0.0.0"],
    ["017700000001", "127.0.0.1"],
    ["0xA9.0xFE.0xA9.0xFE", "169.254.169.254"],
    ["169.254.43518", "169.254.169.254"],
    ["127.0.0.1.", "127.0.0.1"],
    ["0x", "0.0.0.0"],
  ])("reads IPv4 %s as %s", (text, dotted) => {
    expect(formatIp({ version: 4, bytes: parseIpv4(text)! })).toBe(dotted);
    expect(checkAddress(text, STRICT).ok).toBe(false);
  });

  it.each(["256.0.0.1", "1.2.3.4.5", "4294967296", "08.1.1.1", "0x1g.1", "1..1", "", "a.b.c.d", "1.2.3.-1"])(
    "does not read %j as IPv4",
    (text) => {
      expect(parseIpv4(text)).toBeUndefined();
    },
  );

  it.each([
    ["[::1]", "0:0:0:0:0:0:0:1"],
    ["::", "0:0:0:0:0:0:0:0"],
    ["[::]", "0:0:0:0:0:0:0:0"],
    ["::ffff:127.0.0.1", "0:0:0:0:0:ffff:7f00:1"],
    ["fe80::1%eth0", "fe80:0:0:0:0:0:0:1%eth0"],
    ["[fe80::1%25eth0]", "fe80:0:0:0:0:0:0:1%eth0"],
    ["FC00::ABCD", "fc00:0:0:0:0:0:0:abcd"],
    ["0:0:0:0:0:0:0:1", "0:0:0:0:0:0:0:1"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
  ])("reads IPv6 %s", (text, full) => {
    const ip = parseIp(text);
    expect(ip?.version).toBe(6);
    expect(formatIp(ip!)).toBe(full);
    expect(checkAddress(text, STRICT).ok, text).toBe(false);
  });

  it.each([":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "::ffff:256.0.0.1", "fe80::1%", "[::1"])(
    "does not read %j as an IP address",
    (text) => {
      expect(parseIp(text)).toBeUndefined();
    },
  );
});

describe("URLs", () => {
  it.each([
    "http://127.0.0.1/",
    "https://127.0.0.1/",
    "https://[::1]/",
    "https://[::]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:169.254.169.254]/",
    "https://[64:ff9b::7f00:1]/",
    "https://[64:ff9b::a9fe:a9fe]/",
    "https://0x7f.1/",
    "https://2130706433/",
    "https://0177.0.0.1/",
    "https://127.1/",
    "https://localhost/",
    "https://localhost./",
    "https://foo.localhost/",
    "https://a.b.LOCALHOST./",
    "https://printer.local/",
    "https://router.home.arpa/",
    "https://metadata.google.internal/",
    "https://intranet/",
    "https://169.254.169.254/latest/meta-data",
    "https://10.0.0.1/",
    "https://100.64.0.1/",
    "https://198.18.0.1/",
    "https://192.0.2.1/",
    "https://224.0.0.1/",
    "https://255.255.255.255/",
    "https://0.0.0.0/",
    "https://[fd00::1]/",
    "https://[fe80::1]/",
    "https://[ff02::1]/",
    "https://[2001:db8::1]/",
    "http://example.com/",
    "ftp://example.com/",
    "https://user:pw@example.com/",
    "not a url",
  ])("refuses %s without the loopback opt-in", (url) => {
    expect(checkOutboundUrl(url, STRICT).ok, url).toBe(false);
  });

  it("allows public https destinations, and loopback (http too) only with the opt-in", () => {
    expect(checkOutboundUrl("https://hooks.example.com/x?y=1", STRICT).ok).toBe(true);
    expect(checkOutboundUrl("https://8.8.8.8/", STRICT).ok).toBe(true);
    for (const url of [
      "http://127.0.0.1:9/",
      "http://localhost:9/",
      "http://localhost.:9/",
      "http://foo.localhost/",
      "http://[::1]:9/",
      "http://[::ffff:127.0.0.1]/",
      "http://0x7f.1/",
    ]) {
      expect(checkOutboundUrl(url, DEV).ok, url).toBe(true);
    }
    // The opt-in is for loopback alone: other private ranges stay refused.
    for (const url of [
      "http://10.0.0.1/",
      "https://169.254.169.254/",
      "http://[::]/",
      "http://0.0.0.0/",
      "http://example.com/",
      "https://printer.local/",
    ]) {
      expect(checkOutboundUrl(url, DEV).ok, url).toBe(false);
    }
  });

  it("names localhost and local-network names as reserved", () => {
    for (const name of ["localhost", "LOCALHOST.", "x.y.localhost", "a.local", "home.arpa", "x.internal"])
      expect(localName(name), name).toBeDefined();
    for (const name of ["example.com", "localhost.example.com", "notlocal.com"]) expect(localName(name), name).toBeUndefined();
  });
});

describe("every textual form of a refused destination (property)", () => {
  it("is refused, with or without the loopback opt-in unless it is loopback", () => {
    fc.assert(
      fc.property(refusedUrl, (url) => {
        expect(checkOutboundUrl(url, STRICT).ok, url).toBe(false);
      }),
      { numRuns: 20_000 },
    );
  });
});
