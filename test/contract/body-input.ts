// Request bodies the broker must refuse or keep exactly, on every host (issue #14, items 16-17):
// nesting beyond the documented depth (128) on every route that parses JSON or MessagePack,
// prototype keys in configs, grants and quotas, MessagePack 64-bit integers, NaN / Infinity,
// extension types, and invalid UTF-8 in either encoding. Before the fix, 5,000 levels were a 500
// on Node (JSON.stringify overflowed), `config: {"__proto__": …}` a 500 everywhere, and uint64,
// NaN and bad UTF-8 were stored changed.
import { encode } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import type { TailContext } from "./tails.ts";

const MAX_DEPTH = 128;
const MSGPACK = "application/msgpack";
const utf8 = new TextEncoder();

/** `{"records":[{"value": <levels-3 nested arrays>}]}`-style wrapping, built without recursion. */
function nestedJson(levels: number, leaf = "1"): string {
  return "[".repeat(levels) + leaf + "]".repeat(levels);
}

/** MessagePack bytes of `levels` nested one-element arrays (fixarray 0x91) around a leaf. */
function nestedMsgpack(levels: number, leaf: Uint8Array = new Uint8Array([0x01])): Uint8Array {
  const out = new Uint8Array(levels + leaf.length);
  out.fill(0x91, 0, levels);
  out.set(leaf, levels);
  return out;
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
};

/** MessagePack `{"records":[{"value": <raw item>}]}` around raw item bytes. */
const produceMsgpack = (item: Uint8Array) => concat(encode({ records: [{ value: null }] }).slice(0, -1), item);

/** A fixstr / str8 MessagePack string of raw (possibly invalid) bytes. */
const rawStr = (bytes: number[]) => new Uint8Array(bytes.length < 32 ? [0xa0 | bytes.length, ...bytes] : [0xd9, bytes.length, ...bytes]);

export function bodyInputSuite(t: TailContext & { counter(): number }): void {
  const post = (path: string, body: BodyInit, type: string, method = "POST") =>
    t.call(path, { method, body, headers: { "content-type": type } });

  async function expectCode(res: Response, status: number, code: string | string[]): Promise<void> {
    const text = await res.text();
    expect(res.status, text).toBe(status);
    expect([code].flat(), text).toContain(JSON.parse(text).error.code);
  }

  describe("request bodies: depth, prototype keys, exact values", () => {
    it(`every JSON and MessagePack route refuses nesting beyond ${MAX_DEPTH} levels with 400 nesting_too_deep`, async () => {
      const topic = await t.createTopic(1);
      const routes: Array<[string, string]> = [
        ["POST", "/v1/topics"],
        ["PATCH", `/v1/topics/${topic}`],
        ["POST", `/v1/topics/${topic}/records`],
        ["POST", `/v1/topics/${topic}/partitions/0/delete-records`],
        ["POST", `/v1/groups/g-deep-${t.counter()}/members`],
        ["POST", `/v1/groups/g-deep-${t.counter()}/offsets/reset`],
        ["POST", "/v1/keys"],
        ["POST", "/v1/producers"],
      ];
      for (const levels of [MAX_DEPTH + 1, 5_000, 100_000]) {
        for (const [method, path] of routes) {
          await expectCode(
            await post(path, `{"records":[{"value":${nestedJson(levels - 3)}}]}`, "application/json", method),
            400,
            "nesting_too_deep",
          );
          await expectCode(await post(path, produceMsgpack(nestedMsgpack(levels - 3)), MSGPACK, method), 400, "nesting_too_deep");
        }
      }
      // Durable Streams JSON mode parses its bodies too (create and append).
      const stream = `deep-${Date.now().toString(36)}-${t.counter()}`;
      await expectCode(await post(`/ds/${stream}`, nestedJson(5_000), "application/json", "PUT"), 400, "nesting_too_deep");
      expect((await post(`/ds/${stream}`, "[]", "application/json", "PUT")).status).toBeLessThan(300);
      await expectCode(await post(`/ds/${stream}`, nestedJson(MAX_DEPTH + 1), "application/json"), 400, "nesting_too_deep");
    });

    it(`accepts exactly ${MAX_DEPTH} levels and stores the value unchanged`, async () => {
      const topic = await t.createTopic(1);
      const deepest = nestedJson(MAX_DEPTH - 3, '"leaf"');
      const res = await post(
        `/v1/topics/${topic}/records`,
        `{"records":[{"value":${deepest}},{"value":${nestedJson(MAX_DEPTH - 3)}}]}`,
        "application/json",
      );
      expect(res.status, await res.clone().text()).toBe(200);
      const packed = await post(`/v1/topics/${topic}/records`, produceMsgpack(nestedMsgpack(MAX_DEPTH - 3)), MSGPACK);
      expect(packed.status, await packed.clone().text()).toBe(200);
      const page = (await (await t.call(`/v1/topics/${topic}/partitions/0/records?offset=0`)).json()) as any;
      expect(JSON.stringify(page.records[0].value)).toBe(deepest);
      expect(JSON.stringify(page.records[2].value)).toBe(nestedJson(MAX_DEPTH - 3));
    });

    it("prototype keys in configs, grants and quotas are a 400, never a 500 or a polluted object", async () => {
      const topic = await t.createTopic(1);
      for (const key of ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty"]) {
        const config = `{"${key}": {"retention.ms": 1}}`;
        await expectCode(
          await post("/v1/topics", `{"name": "p-${t.counter()}", "config": ${config}}`, "application/json"),
          400,
          "invalid_config",
        );
        await expectCode(await post(`/v1/topics/${topic}`, `{"config": ${config}}`, "application/json", "PATCH"), 400, "invalid_config");
        // @msgpack/msgpack refuses a "__proto__" map key itself (invalid_msgpack); either is a 400.
        await expectCode(
          await post("/v1/topics", encode({ name: `p-${t.counter()}`, config: JSON.parse(`{"${key}": 1}`) }), MSGPACK),
          400,
          ["invalid_config", "invalid_msgpack"],
        );
        await expectCode(
          await post("/v1/keys", `{"name": "k", "grants": [{"operation": "admin", "resource": "*", "${key}": 1}]}`, "application/json"),
          400,
          "invalid_grant",
        );
        await expectCode(
          await post(
            "/v1/keys",
            `{"name": "k", "grants": [{"operation": "admin", "resource": "*"}], "quotas": {"${key}": 5}}`,
            "application/json",
          ),
          400,
          "bad_request",
        );
      }
      // The topic's config is untouched and every other topic still has the defaults.
      const described = (await (await t.call(`/v1/topics/${topic}`)).json()) as any;
      expect(described.config["retention.ms"]).toBe(604_800_000);
      const fresh = (await (await t.call(`/v1/topics/${await t.createTopic(1)}`)).json()) as any;
      expect(Object.keys(described.config).sort()).toEqual(Object.keys(fresh.config).sort());
      expect(Object.getPrototypeOf(described.config)).toBe(Object.prototype);
      // A header named __proto__ is data: stored and read back as any other header.
      await t.produce(topic, JSON.parse('[{"value": 1, "headers": {"__proto__": "p", "constructor": "c"}}]'));
      const page = (await (await t.call(`/v1/topics/${topic}/partitions/0/records?offset=0`)).json()) as any;
      expect(Object.getOwnPropertyDescriptor(page.records[0].headers, "__proto__")?.value).toBe("p");
      expect(page.records[0].headers.constructor).toBe("c");
    });

    it("MessagePack 64-bit integers are stored digit for digit; the JSON view shows such text as bytes", async () => {
      const topic = await t.createTopic(1);
      const cases: Array<[Uint8Array, string]> = [
        [new Uint8Array([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), "18446744073709551615"],
        [new Uint8Array([0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]), "-9223372036854775808"],
        [new Uint8Array([0xcf, 0, 0x20, 0, 0, 0, 0, 0, 1]), "9007199254740993"],
        // 64-bit encodings of small numbers are plain numbers.
        [new Uint8Array([0xcf, 0, 0, 0, 0, 0, 0, 0, 7]), "7"],
        [new Uint8Array([0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]), "-2"],
        // Inside a map: {"n": uint64 max}.
        [new Uint8Array([0x81, 0xa1, 0x6e, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), '{"n":18446744073709551615}'],
      ];
      for (const [item] of cases) expect((await post(`/v1/topics/${topic}/records`, produceMsgpack(item), MSGPACK)).status).toBe(200);
      const page = (await (await t.call(`/v1/topics/${topic}/partitions/0/records?offset=0&max_records=100`)).json()) as any;
      const stored = page.records.map((r: any) => (r.value_b64 !== undefined ? atob(r.value_b64) : JSON.stringify(r.value)));
      expect(stored).toEqual(cases.map(([, text]) => text));
      // Where an exact integer cannot be kept (a config is a number), it is refused, not rounded.
      await expectCode(
        await post(
          `/v1/topics/${topic}`,
          concat(encode({ config: { "retention.ms": null } }).slice(0, -1), cases[0]![0]),
          MSGPACK,
          "PATCH",
        ),
        400,
        "integer_out_of_range",
      );
    });

    it("JSON integers a double cannot hold and numbers beyond its range are refused, not rounded", async () => {
      const topic = await t.createTopic(1);
      for (const n of ["18446744073709551615", "-9223372036854775809", "9007199254740993", "1e400", "-1E999"]) {
        const res = await post(`/v1/topics/${topic}/records`, `{"records":[{"value":{"n":${n}}}]}`, "application/json");
        await expectCode(res, 400, n.includes("e") || n.includes("E") ? "non_finite_number" : "integer_out_of_range");
      }
      // Digits inside strings are data, and exactly representable large integers are fine.
      await t.produce(topic, [{ value: "18446744073709551615" }]);
      const ok = await post(
        `/v1/topics/${topic}/records`,
        '{"records":[{"value":{"n":9007199254740992,"m":100000000000000000000}}]}',
        "application/json",
      );
      expect(ok.status, await ok.clone().text()).toBe(200);
    });

    it("MessagePack NaN, ±Infinity and extension types are refused (JSON has no such values)", async () => {
      const topic = await t.createTopic(1);
      const f64 = (v: number) => {
        const b = new Uint8Array(9);
        b[0] = 0xcb;
        new DataView(b.buffer).setFloat64(1, v);
        return b;
      };
      const f32 = (v: number) => {
        const b = new Uint8Array(5);
        b[0] = 0xca;
        new DataView(b.buffer).setFloat32(1, v);
        return b;
      };
      for (const item of [f64(NaN), f64(Infinity), f64(-Infinity), f32(NaN), f32(Infinity)]) {
        await expectCode(await post(`/v1/topics/${topic}/records`, produceMsgpack(item), MSGPACK), 400, "non_finite_number");
        await expectCode(
          await post(`/v1/topics/${topic}/records`, produceMsgpack(concat(new Uint8Array([0x92, 0x01]), item)), MSGPACK),
          400,
          "non_finite_number",
        );
      }
      // ext 8, fixext 1, and the timestamp extension (type -1), which would decode to a Date.
      for (const item of [
        [0xc7, 1, 5, 0],
        [0xd4, 5, 0],
        [0xd6, 0xff, 0, 0, 0, 1],
      ]) {
        await expectCode(await post(`/v1/topics/${topic}/records`, produceMsgpack(new Uint8Array(item)), MSGPACK), 400, "invalid_msgpack");
      }
      const page = (await (await t.call(`/v1/topics/${topic}/partitions/0/records?offset=0`)).json()) as any;
      expect(page.records).toEqual([]);
    });

    it("invalid UTF-8 in any string of either encoding is 400 invalid_utf8, never replaced or read as Latin-1", async () => {
      const topic = await t.createTopic(1);
      const bad = [[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x61, 0x80, 0x62]];
      for (const bytes of bad) {
        const str = rawStr(bytes);
        const records = (fields: Uint8Array) => concat(new Uint8Array([0x81, 0xa7, ...utf8.encode("records"), 0x91]), fields);
        const one = (name: string, value: Uint8Array) => concat(new Uint8Array([0x81]), encode(name), value);
        // value, key, a header value, a header name, a nested map key, and a whole-body map key.
        const bodies = [
          records(one("value", str)),
          records(concat(new Uint8Array([0x82]), encode("key"), str, encode("value"), encode(1))),
          records(concat(new Uint8Array([0x82]), encode("value"), encode(1), encode("headers"), new Uint8Array([0x81]), encode("h"), str)),
          records(concat(new Uint8Array([0x82]), encode("value"), encode(1), encode("headers"), new Uint8Array([0x81]), str, encode("v"))),
          records(one("value", concat(new Uint8Array([0x81]), str, encode(1)))),
          concat(new Uint8Array([0x81]), str, encode([])),
        ];
        for (const body of bodies) await expectCode(await post(`/v1/topics/${topic}/records`, body, MSGPACK), 400, "invalid_utf8");
        const json = concat(utf8.encode('{"records":[{"key":"'), new Uint8Array(bytes), utf8.encode('","value":1}]}'));
        await expectCode(await post(`/v1/topics/${topic}/records`, json, "application/json"), 400, "invalid_utf8");
        await expectCode(
          await post("/v1/topics", concat(utf8.encode('{"name":"'), new Uint8Array(bytes), utf8.encode('"}')), "application/json"),
          400,
          "invalid_utf8",
        );
      }
      // Unpaired surrogates (valid JSON escapes) have no UTF-8 form either, in keys and headers.
      for (const record of [
        '{"key":"\\ud800","value":1}',
        '{"value":1,"headers":{"h":"a\\udc00"}}',
        '{"value":1,"headers":{"\\ud83d":"v"}}',
      ]) {
        await expectCode(await post(`/v1/topics/${topic}/records`, `{"records":[${record}]}`, "application/json"), 400, "invalid_utf8");
      }
      const page = (await (await t.call(`/v1/topics/${topic}/partitions/0/records?offset=0`)).json()) as any;
      expect(page.records).toEqual([]);
    });
  });
}
