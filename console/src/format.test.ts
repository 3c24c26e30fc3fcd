// The console's display helpers, checked against the broker's own code where they must agree:
// stream paths decoded from topic names must be the paths the broker mapped (streams/mapping.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { topicForStream } from "../../src/http/streams/mapping.ts";
import { b64ToBytes, bytesToB64, hexDump, streamPathOf } from "./format.ts";

describe("streamPathOf", () => {
  it("inverts the broker's stream path → topic mapping for every readable name", async () => {
    const segment = fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }).filter((s) => !s.includes("/"));
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 4 }), async (segments) => {
        const path = segments.join("/");
        const topic = await topicForStream(path);
        if (topic.startsWith("dsh.")) return; // too long to read back: hashed, shown as such
        expect(streamPathOf(topic)).toBe(path);
      }),
      { numRuns: 300 },
    );
    expect(streamPathOf("orders")).toBeUndefined();
  });
});

describe("bytes", () => {
  it("round-trips base64 and dumps hex with printable ASCII", () => {
    const bytes = new Uint8Array([0, 1, 2, 0xfe, 0xff, 0x41, 0x42, ...new Array(20).fill(0x20)]);
    expect(b64ToBytes(bytesToB64(bytes))).toEqual(bytes);
    const dump = hexDump(bytes).split("\n");
    expect(dump[0]).toBe("000000  00 01 02 fe ff 41 42 20 20 20 20 20 20 20 20 20  .....AB         ");
    expect(dump[1]!.startsWith("000010  20 20")).toBe(true);
    expect(hexDump(new Uint8Array(40), 16).split("\n").at(-1)).toBe("… 24 more bytes");
  });
});
