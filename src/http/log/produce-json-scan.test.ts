// The JSON produce fast path (produce-json-scan.ts, parseJsonProduceBody) against the general
// path it stands in for (parseJsonBody + parseProduceBody): for every class of body — compact or
// indented, values of any JSON shape, escapes, numbers in every spelling, duplicate and
// array-index member names, keys, headers, bad fields, invalid UTF-8, nesting at and past the
// limit — both must give the same records, byte for byte, or the same error code.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BrokerError } from "../../core/errors.ts";
import { DEFAULT_LIMITS, MAX_BODY_DEPTH } from "../../core/limits.ts";
import { parseJsonBody } from "../body-decode.ts";
import { parseJsonProduceBody, parseProduceBody } from "./produce-body.ts";
import { scanProduceBody } from "./produce-json-scan.ts";

const utf8 = new TextEncoder();
const NOW = 1_700_000_000_000;
const limits = { ...DEFAULT_LIMITS, maxRecordsPerRequest: 50 };

function outcome(run: () => unknown): unknown {
  try {
    return { ok: run() };
  } catch (err) {
    if (err instanceof BrokerError) return { error: err.code };
    throw err;
  }
}

function same(body: Uint8Array): void {
  const general = outcome(() => parseProduceBody(parseJsonBody(body), false, limits, NOW));
  const fast = outcome(() => parseJsonProduceBody(body, limits, NOW));
  expect(fast).toEqual(general);
}

const bytes = (s: string) => utf8.encode(s);
const nested = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;

/** Value texts the general path canonicalises in every way it can. */
const oddValue = fc.constantFrom(
  "1.0",
  "1e3",
  "1E+21",
  "-0",
  "0.1",
  "1e400",
  "-1e-7",
  "12345678901234567890",
  "9007199254740993",
  "123456789012345",
  '"\\u0041"',
  '"a\\/b"',
  '"\\ud800"',
  '"\\n"',
  '"é ☃ 😀"',
  '{"b":1,"a":2}',
  '{"1":1,"b":2}',
  '{"b":1,"0":2}',
  '{"a":1,"a":2}',
  '{"__proto__":1}',
  '{"x":{"a":1},"y":{"a":2}}',
  '{"a":{"a":{"a":1}},"a":3}',
  "[1, 2]",
  '{ "a" : 1 }',
  "tru",
  "nul",
  "[1,]",
  '{"a":1,}',
  "01",
  "-",
  "1.",
  ".5",
  '"unterminated',
  nested(MAX_BODY_DEPTH - 3),
  nested(MAX_BODY_DEPTH - 2),
  nested(300),
);

const anyValueText = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.jsonValue().map((v) => JSON.stringify(v, null, 2)),
  oddValue,
);

const field = fc.oneof(
  anyValueText.map((t) => `"value":${t}`),
  fc.constantFrom(
    '"value":null',
    '"value_b64":"aGVsbG8="',
    '"value_b64":"not base64"',
    '"key":"device-1"',
    '"key":"\\u00e9"',
    '"key":null',
    '"key":7',
    '"key_b64":"AAE="',
    '"headers":{"h":"v","g":"\\u0000"}',
    '"headers":{"h":1}',
    '"timestamp":1700000000001',
    '"timestamp":1e400',
    '"timestamp":-1',
    '"timestamp":12345678901234567890',
    '"partition":0',
    '"partition":1.0',
    '"partition":"0"',
    '"other":1',
    '"__proto__":{}',
  ),
);

const record = fc.array(field, { minLength: 0, maxLength: 4 }).map((fs) => `{${fs.join(",")}}`);
const spaced = (parts: string[], sep: string) => parts.join(`,${sep}`);

describe("JSON produce fast path", () => {
  it("gives the general path's records or error for every class of body", () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 0, maxLength: 6 }), fc.constantFrom("", " ", "\n  "), (records, sep) => {
        same(bytes(`${sep}{${sep}"records"${sep}:${sep}[${sep}${spaced(records, sep)}${sep}]${sep}}${sep}`));
      }),
      { numRuns: 3000 },
    );
  });

  it("gives the general path's records for bodies a client's JSON.stringify writes", () => {
    const rec = fc.record(
      {
        value: fc.jsonValue(),
        key: fc.string({ unit: "grapheme" }),
        headers: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ unit: "grapheme", maxLength: 8 }), { maxKeys: 3 }),
        timestamp: fc.nat(),
      },
      { requiredKeys: ["value"] },
    );
    fc.assert(
      fc.property(fc.array(rec, { minLength: 1, maxLength: 8 }), (records) => same(bytes(JSON.stringify({ records })))),
      { numRuns: 2000 },
    );
  });

  it("body-level faults and oddities go the general way", () => {
    for (const text of [
      "",
      "{}",
      '{"records":[]}',
      '{"records":{}}',
      '{"records":[1]}',
      '{"records":[{"value":1}],"records":[{"value":2}]}',
      '{"records":[{"value":1}],"x":1}',
      '{"records":[{"value":1}]} x',
      '\uFEFF{"records":[{"value":1}]}',
      '{"records":[{"value":1,"value":2}]}',
      '{"records":[{"value":1,"value_b64":"AA=="}]}',
      `{"records":[${Array.from({ length: 51 }, () => '{"value":1}').join(",")}]}`,
    ])
      same(bytes(text));
    const invalidUtf8 = new Uint8Array([...bytes('{"records":[{"value":"'), 0xc3, 0x28, ...bytes('"}]}')]);
    same(invalidUtf8);
    const invalidInKey = new Uint8Array([...bytes('{"records":[{"value":1,"key":"'), 0xff, ...bytes('"}]}')]);
    same(invalidInKey);
  });

  it("takes the values of a typical body straight from its bytes", () => {
    const body = bytes(
      JSON.stringify({
        records: [
          { key: "sensor-7", value: { temp: 21.5, id: "a-1", ok: true, n: [1, 2, -3], note: "é" }, timestamp: NOW },
          { value: "x".repeat(98) },
          { value: null },
        ],
      }),
    );
    const scanned = scanProduceBody(body)!;
    expect(scanned).toHaveLength(3);
    expect(scanned[0]!.value!.buffer).toBe(body.buffer); // a view of the body, not a copy
    expect(new TextDecoder().decode(scanned[0]!.value!)).toBe('{"temp":21.5,"id":"a-1","ok":true,"n":[1,2,-3],"note":"é"}');
    expect(scanned[2]!.value).toBeNull();
    same(body);
  });
});

describe("JSON produce fast path, word-at-a-time string scan", () => {
  it("finds an escape, a control character or a non-ASCII byte at every place of a long string", () => {
    // plainString skips four bytes at a time: a special byte must be seen at each of the four
    // places of a word, in a string starting at each alignment.
    for (let lead = 0; lead < 4; lead++)
      for (let at = 0; at < 40; at++)
        for (const special of ["\\\\", '\\"', "\\n", "\\u0041", "é", "😀", "\t"]) {
          const text = `${"a".repeat(at)}${special}${"b".repeat(40 - at)}`;
          same(bytes(`{"records":[{${" ".repeat(lead)}"value":"${text}"}]}`));
          same(bytes(`{"records":[{"value":{"${text}":"${"c".repeat(lead)}${text}"}}]}`));
        }
    const invalid = new Uint8Array([...bytes(`{"records":[{"value":"${"a".repeat(21)}`), 0xff, ...bytes(`${"b".repeat(20)}"}]}`)]);
    same(invalid);
  });

  it("ends a plain string of any length, however its end falls in the two-word steps", () => {
    // Two words are tested at once, then the one left over: the closing quote may be in either,
    // or past the last whole word of the body.
    for (let lead = 0; lead < 4; lead++)
      for (let length = 0; length < 48; length++) {
        const text = "s".repeat(length);
        same(bytes(`{"records":[{${" ".repeat(lead)}"value":"${text}"},{"value":"${text}x"}]}`));
        same(bytes(`{"records":[{"value":1,"key":"${text}"}]}${" ".repeat(lead)}`));
        const body = bytes(`{"records":[{${" ".repeat(lead)}"value":"${text}"}]}`);
        expect(new TextDecoder().decode(scanProduceBody(body)![0]!.value!)).toBe(`"${text}"`);
      }
  });
});
