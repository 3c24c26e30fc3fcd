import { describe, expect, it } from "vitest";
import { constantTimeEqual } from "../../core/keys/constant-time.ts";
import { tokenChecker } from "./token-checker.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("constantTimeEqual", () => {
  it("accepts only the identical byte string", () => {
    expect(constantTimeEqual(bytes("secret-token"), bytes("secret-token"))).toBe(true);
    expect(constantTimeEqual(bytes("secret-token"), bytes("secret-tokeN"))).toBe(false);
    expect(constantTimeEqual(bytes("secret-token"), bytes("Secret-token"))).toBe(false);
    expect(constantTimeEqual(bytes("secret-token"), bytes("secret-token-longer"))).toBe(false);
    expect(constantTimeEqual(bytes("secret-token"), bytes("secret"))).toBe(false);
    expect(constantTimeEqual(bytes("secret-token"), bytes(""))).toBe(false);
    // A prefix that repeats to the full length must not pass through the index wrap-around.
    expect(constantTimeEqual(bytes("abab"), bytes("ab"))).toBe(false);
  });

  it("checks tokens against one configured secret", () => {
    const check = tokenChecker("héllo-wörld");
    expect(check("héllo-wörld")).toBe(true);
    expect(check("hello-world")).toBe(false);
  });

  it("refuses tokens that only start with the secret, or stop short of it", () => {
    const check = tokenChecker("bench-admin-token");
    expect(check("bench-admin-token")).toBe(true);
    expect(check("bench-admin-token")).toBe(true); // the reused buffer holds no state between checks
    expect(check("bench-admin-tokenX")).toBe(false);
    expect(check("bench-admin-token-and-much-more")).toBe(false);
    expect(check("bench-admin-toke")).toBe(false);
    expect(check("")).toBe(false);
    // A multi-byte character that no longer fits the buffer: encoding stops short, still refused.
    expect(check("bench-admin-tokenö")).toBe(false);
    expect(check("bench-admin-toke€")).toBe(false);
    expect(tokenChecker("")("")).toBe(true);
    expect(tokenChecker("")("x")).toBe(false);
    expect(tokenChecker("ab€")("ab€")).toBe(true);
    expect(tokenChecker("ab€")("ab€x")).toBe(false);
    expect(tokenChecker("ab€")("abc")).toBe(false);
  });
});
