// The dispatcher against malformed input: whatever the bytes, it answers or closes — it never
// throws — and a request whose body is cut anywhere reaches no handler (nothing is appended).
// The AppDeps here record the calls that would change state; no valid path is exercised with
// them (test/kafka runs the real broker).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../core/limits.ts";
import type { AppDeps } from "../http/deps.ts";
import { Writer } from "./protocol/writer.ts";
import { KafkaServer } from "./server.ts";

function harness() {
  const calls: string[] = [];
  const record = (name: string) => (..._args: unknown[]) => {
    calls.push(name);
    return Promise.resolve({ ok: false, error: { code: "topic_not_found", message: "none" } });
  };
  const deps = {
    cluster: () => ({ describeTopic: record("describeTopic"), listTopics: () => Promise.resolve([]), createTopic: record("createTopic"), deleteTopic: record("deleteTopic") }),
    partition: () => ({ append: record("append"), read: record("read") }),
    key: () => ({ verify: record("verify"), check: () => Promise.resolve(true) }),
    group: () => ({}),
    logCore: () => Promise.reject(new Error("unused")),
    adminToken: "t",
    limits: DEFAULT_LIMITS,
  } as unknown as AppDeps;
  const server = new KafkaServer({ deps, broker: { nodeId: 0, host: "127.0.0.1", port: 9092 }, requireAuth: false, log: () => {} });
  const conn = server.dispatcher.newConnection();
  return { calls, dispatch: (frame: Uint8Array) => server.dispatcher.dispatch(conn, frame) };
}

/** Produce v7: header, then transactional id, acks, timeout, one topic with one partition. */
function produceRequest(): Uint8Array {
  const w = new Writer();
  w.int16(0).int16(7).int32(1).nullableString("fuzz");
  w.nullableString(null).int16(-1).int32(1000).int32(1).nullableString("t").int32(1).int32(0).nullableBytes(new Uint8Array(70).fill(7));
  return w.finish().slice();
}

describe("Dispatcher on malformed input", () => {
  it("a Produce cut at any byte closes the connection and appends nothing", async () => {
    const whole = produceRequest();
    for (let cut = 0; cut < whole.length; cut++) {
      const h = harness();
      const result = await h.dispatch(whole.subarray(0, cut));
      // Cuts inside the header close as a bad header; cuts in the body as a malformed request.
      expect(result.kind, `cut at ${cut}`).toBe("close");
      expect(h.calls).toEqual([]);
    }
  });

  it("arbitrary bytes after any API key and version are answered or closed, never thrown", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 70 }), fc.integer({ min: -1, max: 15 }), fc.uint8Array({ maxLength: 200 }), async (apiKey, version, body) => {
        const w = new Writer();
        w.int16(apiKey).int16(version).int32(9).nullableString("fuzz").raw(body);
        const result = await harness().dispatch(w.finish());
        expect(["response", "close", "none"]).toContain(result.kind);
        if (result.kind === "response") expect(new DataView(result.frame.buffer, result.frame.byteOffset).getInt32(4)).toBe(9);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("Dispatcher and a key revoked while connected", () => {
  it("asks the key's object again after 30 s and closes the connection once the key no longer opens", async () => {
    let now = 1_000_000;
    let opens = true;
    const checks: string[] = [];
    const deps = {
      cluster: () => ({ listTopics: () => Promise.resolve([]) }),
      partition: () => ({}),
      key: (id: string) => ({
        verify: (secret: string) => Promise.resolve(secret === "s".repeat(32) ? { ok: true, key: { id, name: "k", grants: [{ operation: "consume", resource: "*" }] } } : { ok: false, error: { code: "unauthorized", message: "no" } }),
        check: (secret: string) => {
          checks.push(secret);
          return Promise.resolve(opens);
        },
      }),
      group: () => ({}),
      logCore: () => Promise.reject(new Error("unused")),
      adminToken: "t",
      limits: DEFAULT_LIMITS,
      now: () => now,
    } as unknown as AppDeps;
    const server = new KafkaServer({ deps, broker: { nodeId: 0, host: "127.0.0.1", port: 9092 }, log: () => {} });
    const conn = server.dispatcher.newConnection();
    const frame = (apiKey: number, version: number, body: (w: Writer) => void) => {
      const w = new Writer();
      w.int16(apiKey).int16(version).int32(1).nullableString("c");
      body(w);
      return w.finish().slice();
    };
    const metadata = frame(3, 1, (w) => w.int32(-1));
    expect((await server.dispatcher.dispatch(conn, frame(17, 1, (w) => w.nullableString("PLAIN")))).kind).toBe("response");
    const token = new TextEncoder().encode(`\u0000${"ab".repeat(8)}\u0000${"s".repeat(32)}`);
    expect((await server.dispatcher.dispatch(conn, frame(36, 1, (w) => w.nullableBytes(token)))).kind).toBe("response");
    expect(conn.principal?.kind).toBe("key");
    now += 10_000;
    expect((await server.dispatcher.dispatch(conn, metadata)).kind).toBe("response");
    expect(checks).toEqual([]);
    now += 25_000;
    expect((await server.dispatcher.dispatch(conn, metadata)).kind).toBe("response");
    expect(checks.length).toBe(1);
    opens = false;
    now += 31_000;
    const closed = await server.dispatcher.dispatch(conn, metadata);
    expect(closed).toEqual({ kind: "close", reason: "the API key this connection authenticated with was revoked or rotated" });
  });
});
