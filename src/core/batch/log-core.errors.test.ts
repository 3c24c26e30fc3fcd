// The WASM core reports failures as numbers (assembly/errors.ts: E_* codes, R_* reasons, F_*
// fields) that log-core.ts turns into strings by index. The two lists are kept by hand, so this
// reads the AssemblyScript source and checks every number against its TypeScript mirror: a code
// added on one side only, renumbered, or reordered fails here instead of mislabelling an error.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { WASM_ERROR_CODES, WASM_FIELD_NAMES, WASM_REASONS } from "./log-core.ts";

const source = readFileSync(new URL("../../../assembly/errors.ts", import.meta.url), "utf8");

/** `export const <PREFIX>NAME: i32 = n;` → [NAME, n] in source order. */
function constants(prefix: string): Array<[string, number]> {
  const re = new RegExp(`^export const ${prefix}([A-Z0-9_]+): i32 = (-?\\d+);`, "gm");
  return [...source.matchAll(re)].map((m) => [m[1]!, Number(m[2])]);
}

function expectDense(list: Array<[string, number]>, first: number) {
  const numbers = list.map(([, n]) => n).sort((a, b) => a - b);
  expect(numbers, "numbers are unique and consecutive").toEqual(numbers.map((_, i) => first + i));
}

describe("WASM error numbers and their TypeScript mirror", () => {
  it("E_* codes: the wrapper's code at index n is the snake_case name of E_* = n", () => {
    const codes = constants("E_");
    expect(codes.length).toBeGreaterThan(5);
    expectDense(codes, 0);
    expect(WASM_ERROR_CODES.length).toBe(codes.length);
    for (const [name, n] of codes) {
      if (n === 0) continue; // E_OK: never reported, index 0 is a placeholder
      expect(WASM_ERROR_CODES[n], `E_${name} = ${n}`).toBe(name.toLowerCase());
    }
  });

  it("R_* reasons: one message per reason number, none missing or extra", () => {
    const reasons = constants("R_");
    expect(reasons.length).toBeGreaterThan(20);
    expectDense(reasons, 1);
    // Index 0 is "unknown error", for a reason the wrapper does not know.
    expect(WASM_REASONS.length).toBe(reasons.length + 1);
  });

  it("F_* fields: one name per field number, none missing or extra", () => {
    const fields = constants("F_");
    expectDense(fields, 1);
    expect(WASM_FIELD_NAMES.length).toBe(fields.length + 1);
    // The names the messages use, compared loosely: "F_HEADER_KEY" ↔ "header key".
    for (const [name, n] of fields) {
      const words = WASM_FIELD_NAMES[n]!.toLowerCase().replace(/[^a-z]/g, "");
      expect(name.toLowerCase().replace(/_/g, ""), `F_${name} = ${n}`).toBe(words.replace(/^record(?=attributes)/, ""));
    }
  });
});
