import { describe, expect, it } from "vitest";
import { LineError, recordFromLine } from "./record-line.ts";

describe("recordFromLine", () => {
  it("auto: JSON when the line parses, else the text as a string", () => {
    const auto = (line: string) => recordFromLine(line, 1, { valueFormat: "auto" }).value;
    expect(auto('{"a":1}')).toEqual({ a: 1 });
    expect(auto("42")).toBe(42);
    expect(auto("hello world")).toBe("hello world");
    expect(auto('"quoted"')).toBe("quoted");
    expect(auto("{broken")).toBe("{broken");
  });

  it("string keeps every line as text; json refuses text, naming the line", () => {
    expect(recordFromLine("007", 1, { valueFormat: "string" }).value).toBe("007");
    expect(() => recordFromLine("hello", 7, { valueFormat: "json" })).toThrow(
      new LineError("line 7: not JSON (use --value-format string or auto): hello"),
    );
  });

  it("splits key and value at the first separator only", () => {
    expect(recordFromLine('alice:{"t":"12:30"}', 1, { keySeparator: ":", valueFormat: "auto" })).toEqual({
      key: "alice",
      value: { t: "12:30" },
    });
    expect(recordFromLine(":v", 1, { keySeparator: ":", valueFormat: "auto" })).toEqual({ key: "", value: "v" });
    expect(recordFromLine("k\t\tv", 1, { keySeparator: "\t", valueFormat: "string" })).toEqual({ key: "k", value: "\tv" });
    expect(() => recordFromLine("no separator", 3, { keySeparator: "|", valueFormat: "auto" })).toThrow(/line 3: no key separator/);
  });

  it("auto/json: a line with an integer a double cannot hold is sent as its exact JSON text (bytes)", () => {
    for (const valueFormat of ["auto", "json"] as const) {
      expect(recordFromLine(' {"id": 18446744073709551615} ', 1, { valueFormat }).value).toEqual(
        new TextEncoder().encode('{"id": 18446744073709551615}'),
      );
      expect(recordFromLine('{"id": 9007199254740991}', 1, { valueFormat }).value).toEqual({ id: 9007199254740991 });
    }
  });
});
