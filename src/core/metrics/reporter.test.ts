// The series key's short forms (no label, one label) against the general form they stand in for:
// the metrics object merges pushes by these keys, so every form must give the same string.
import { describe, expect, it } from "vitest";
import { generalKey, seriesKey } from "./reporter.ts";

describe("seriesKey", () => {
  const cases: Array<Record<string, string>> = [
    {},
    { route: "produce" },
    { code: 'with "quotes" and \\ and \u0000 and é' },
    { "odd key\n": "v" },
    { topic: "t", partition: "0" },
    { transport: "sse", topic: "t", long_poll: "true" },
  ];
  for (const labels of cases) {
    it(`matches the general form for ${JSON.stringify(labels)}`, () => {
      expect(seriesKey("edgebroker_http_requests_total", labels)).toBe(generalKey("edgebroker_http_requests_total", labels));
    });
  }

  it("orders labels, whatever order they were given in", () => {
    expect(seriesKey("m", { b: "1", a: "2" })).toBe(seriesKey("m", { a: "2", b: "1" }));
  });
});
