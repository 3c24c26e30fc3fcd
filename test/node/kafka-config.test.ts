// The Kafka listener's settings (docs/kafka.md): off unless EDGEBROKER_KAFKA_PORT is set, a
// wildcard listen address advertised as loopback, TLS files in pairs, bad values refused by name.
import { describe, expect, it } from "vitest";
import { ConfigError, configFromEnv } from "../../src/runtime/config.ts";

const env = (vars: Record<string, string>) => (name: string) => ({ EDGEBROKER_ADMIN_TOKEN: "t", ...vars })[name];

describe("EDGEBROKER_KAFKA_*", () => {
  it("no listener without EDGEBROKER_KAFKA_PORT", () => {
    expect(configFromEnv(env({})).kafka).toBeUndefined();
  });

  it("advertises loopback for a wildcard address, the listen address otherwise, or what it is told", () => {
    expect(configFromEnv(env({ EDGEBROKER_KAFKA_PORT: "9092" })).kafka).toMatchObject({ port: 9092, hostname: "0.0.0.0", advertisedHost: "127.0.0.1", advertisedPort: 9092, idleMs: 600_000 });
    expect(configFromEnv(env({ EDGEBROKER_KAFKA_PORT: "9092", HOST: "10.0.0.5" })).kafka).toMatchObject({ hostname: "10.0.0.5", advertisedHost: "10.0.0.5" });
    expect(configFromEnv(env({ EDGEBROKER_KAFKA_PORT: "9092", EDGEBROKER_KAFKA_ADVERTISED_HOST: "kafka.example.com", EDGEBROKER_KAFKA_ADVERTISED_PORT: "19092" })).kafka)
      .toMatchObject({ advertisedHost: "kafka.example.com", advertisedPort: 19092 });
  });

  it("refuses a TLS certificate without its key, and malformed numbers, naming the variable", () => {
    expect(() => configFromEnv(env({ EDGEBROKER_KAFKA_PORT: "9092", EDGEBROKER_KAFKA_TLS_CERT: "/c.pem" }))).toThrow(/EDGEBROKER_KAFKA_TLS_KEY/);
    expect(() => configFromEnv(env({ EDGEBROKER_KAFKA_PORT: "nine" }))).toThrow(ConfigError);
    expect(() => configFromEnv(env({ EDGEBROKER_KAFKA_PORT: "9092", EDGEBROKER_KAFKA_IDLE_MS: "-1" }))).toThrow(/EDGEBROKER_KAFKA_IDLE_MS/);
  });
});
