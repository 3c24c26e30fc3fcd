import { describe, expect, it } from "vitest";
import { globMatch } from "./glob.ts";

describe("globMatch (subscription patterns)", () => {
  it("matches one segment with * and any number with **", () => {
    expect(globMatch("events/*", "events/a")).toBe(true);
    expect(globMatch("events/*", "events/a/b")).toBe(false);
    expect(globMatch("events/*", "events")).toBe(false);
    expect(globMatch("events/**", "events")).toBe(true);
    expect(globMatch("events/**", "events/a/b/c")).toBe(true);
    expect(globMatch("**/log", "a/b/log")).toBe(true);
    expect(globMatch("**/log", "a/b/log2")).toBe(false);
    expect(globMatch("a/*/c", "a/b/c")).toBe(true);
    expect(globMatch("a/*/c", "a/b/d")).toBe(false);
    expect(globMatch("exact", "exact")).toBe(true);
  });
});
