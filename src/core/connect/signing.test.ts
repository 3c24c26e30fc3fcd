// The signatures the HTTP sink sends, checked with Node's own crypto the way a receiver would
// (Standard Webhooks: `${id}.${timestamp}.${body}`), and the webhook source's HMAC header check.
import { createHmac, generateKeyPairSync, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { retryAfterMs } from "./http-sink.ts";
import { importEd25519, signatureHeaders, verifyHmacHeader } from "./signing.ts";

const body = new TextEncoder().encode('{"records":[{"offset":0,"value":"é"}]}');

describe("Standard Webhooks signatures", () => {
  it("HMAC-SHA256: v1,<base64> over id.timestamp.body", async () => {
    const h = await signatureHeaders({ kind: "hmac-sha256", secret: "k" }, "sink-t-0-0-9", 1_700_000_000, body);
    const expected = createHmac("sha256", "k")
      .update(Buffer.concat([Buffer.from("sink-t-0-0-9.1700000000."), body]))
      .digest("base64");
    expect(h).toEqual({ "webhook-id": "sink-t-0-0-9", "webhook-timestamp": "1700000000", "webhook-signature": `v1,${expected}` });
  });

  it("Ed25519: v1a,<base64>, verified with the public key; PEM and bare base64 PKCS#8 both import", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const bare = privateKey.export({ type: "pkcs8", format: "der" }).toString("base64");
    for (const text of [pem, bare]) {
      const key = await importEd25519(text);
      expect(key).toBeDefined();
      const h = await signatureHeaders({ kind: "ed25519", key: key! }, "id", 5, body);
      const [version, sig] = h["webhook-signature"]!.split(",");
      expect(version).toBe("v1a");
      expect(verify(null, Buffer.concat([Buffer.from("id.5."), body]), publicKey, Buffer.from(sig!, "base64"))).toBe(true);
    }
    expect(await importEd25519("not a key")).toBeUndefined();
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(await importEd25519(rsa)).toBeUndefined();
  });
});

describe("webhook source signature header", () => {
  const hex = createHmac("sha256", "s").update(body).digest("hex");
  const b64 = createHmac("sha256", "s").update(body).digest("base64");
  const hexOpts = { secret: "s", prefix: "sha256=", encoding: "hex" as const };

  it.each([
    [`sha256=${hex}`, hexOpts, true],
    [`sha256=${hex.toUpperCase()}`, hexOpts, true],
    [`sha256=${hex.slice(0, -1)}0`, hexOpts, hex.endsWith("0")],
    [hex, hexOpts, false],
    [`sha1=${hex}`, hexOpts, false],
    [undefined, hexOpts, false],
    ["sha256=", hexOpts, false],
    [b64, { secret: "s", prefix: "", encoding: "base64" as const }, true],
    [b64, { secret: "other", prefix: "", encoding: "base64" as const }, false],
  ])("%s → %s", async (header, opts, ok) => {
    expect(await verifyHmacHeader(header, opts, body)).toBe(ok);
  });
});

describe("Retry-After", () => {
  it("takes delta-seconds and HTTP dates, caps at an hour, ignores garbage", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs("3", now)).toBe(3_000);
    expect(retryAfterMs("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10_000);
    expect(retryAfterMs("999999", now)).toBe(3_600_000);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
