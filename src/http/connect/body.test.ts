// The connector body schemas are the routes' validators: a bad name or setting is invalid_config
// with `field` naming it (the message starts with it), a body that is not an object or has an
// unknown field is bad_request, and numbers and booleans in a config are taken as their text.
import { encode } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { BrokerError } from "../../core/errors.ts";
import { parseBody } from "../openapi/route.ts";
import { referenceApp } from "../openapi/reference-app.ts";
import { ConfigIn, ConnectorCreate } from "./body.ts";

const pack = (v: unknown): BodyInit => new Uint8Array(encode(v));

function refusal(schema: Parameters<typeof parseBody>[0], body: unknown) {
  try {
    parseBody(schema, body);
  } catch (err) {
    if (err instanceof BrokerError) return { code: err.code, message: err.message, ...err.extra };
    throw err;
  }
  return { accepted: body };
}

const config = { "connector.class": "http-sink", topics: "orders", "batch.max.records": 100, "http.retry": true };
const text = { "connector.class": "http-sink", topics: "orders", "batch.max.records": "100", "http.retry": "true" };
const badConfig = (message: string, field?: string) => ({ code: "invalid_config", message, ...(field ? { field } : {}) });

describe("connector bodies", () => {
  it("take numbers and booleans as their text", () => {
    expect(parseBody(ConnectorCreate, { name: "orders-to-billing", config })).toEqual({ name: "orders-to-billing", config: text });
    expect(parseBody(ConfigIn, config)).toEqual(text);
    expect(parseBody(ConfigIn, {})).toEqual({});
  });

  it.each([
    ["not an object", ConnectorCreate, [1], { code: "bad_request", message: 'the body must be an object {"name", "config"}' }],
    [
      "an unknown field",
      ConnectorCreate,
      { name: "x", config, extra: 1 },
      { code: "bad_request", message: "extra: unknown field (expected name and config)" },
    ],
    ["no name", ConnectorCreate, { config }, badConfig("name: required, a string", "name")],
    ["a name of the wrong type", ConnectorCreate, { name: 5, config }, badConfig("name: required, a string", "name")],
    [
      "a malformed name",
      ConnectorCreate,
      { name: "a/b", config },
      badConfig(`name: 1 to 200 ASCII letters, digits, '.', '_' or '-', got "a/b"`, "name"),
    ],
    ["no config", ConnectorCreate, { name: "x" }, badConfig("config: expected an object of settings (Kafka Connect's config map)")],
    [
      "a config array",
      ConnectorCreate,
      { name: "x", config: ["a"] },
      badConfig("config: expected an object of settings (Kafka Connect's config map)"),
    ],
    [
      "a nested setting",
      ConnectorCreate,
      { name: "x", config: { ...config, nested: { a: 1 } } },
      badConfig("nested: expected a string, number or boolean", "nested"),
    ],
    ["a null setting", ConfigIn, { ...config, "http.url": null }, badConfig("http.url: expected a string, number or boolean", "http.url")],
    ["a setting too long", ConfigIn, { "http.url": "x".repeat(16_385) }, badConfig("http.url: at most 16384 characters", "http.url")],
    [
      "too many settings",
      ConfigIn,
      Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, "v"])),
      badConfig("body: at most 100 settings"),
    ],
    ["a body that is not a config", ConfigIn, "x", badConfig("body: expected an object of settings (Kafka Connect's config map)")],
  ])("refuse %s", (_what, schema, body, answer) => {
    expect(refusal(schema, body)).toEqual(answer);
  });

  it("are what the routes parse, JSON or MessagePack", async () => {
    const app = referenceApp();
    const send = async (method: string, path: string, body: BodyInit, type: string) => {
      const res = await app.request(path, { method, headers: { authorization: "Bearer reference", "content-type": type }, body });
      return { status: res.status, error: ((await res.json()) as { error: Record<string, unknown> }).error };
    };
    const nested = { name: "x", config: { nested: { a: 1 } } };
    const refused = { status: 400, error: badConfig("nested: expected a string, number or boolean", "nested") };
    expect(await send("POST", "/v1/connectors", JSON.stringify(nested), "application/json")).toEqual(refused);
    expect(await send("POST", "/v1/connectors", pack(nested), "application/msgpack")).toEqual(refused);
    expect(await send("PUT", "/v1/connectors/x/config", pack(nested.config), "application/msgpack")).toEqual(refused);
    // A valid body passes the schema and reaches the connector objects, which this app lacks.
    expect((await send("POST", "/v1/connectors", pack({ name: "x", config }), "application/msgpack")).error.code).toBe("not_configured");
  });
});
