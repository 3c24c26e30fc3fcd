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
});
