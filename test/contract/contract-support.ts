// What every domain suite of the HTTP API contract (contract.ts) is given: the host under test and
// requests against it (a base URL and a bearer token, nothing else), helpers for the topics and
// records a test needs, and the WASM core for building binary RecordBatches.
import { decode } from "@msgpack/msgpack";
import http from "node:http";
import { expect } from "vitest";
import type { LogCore } from "../../src/core/batch/log-core.ts";
import { encodeBatch, type RecordInput } from "../../src/core/batch/record-batch.ts";
import type { Target } from "./hosts-support.ts";

export const utf8 = new TextEncoder();
export const BATCH = "application/vnd.kafka.record-batch";

/** A POST on a connection of its own (node:http, no keep-alive), for answers given before the body is read. */
export function oneShot(url: string, token: string, type: string, body: Uint8Array): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: "POST", agent: false, headers: { authorization: `Bearer ${token}`, "content-type": type, "content-length": body.length } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    // The server may answer and close before the whole body is sent: that is not a failure here.
    req.on("error", (err) => (req.writableEnded ? undefined : reject(err)));
    req.end(body);
  });
}

export interface ContractContext {
  /** The host, once the suite's beforeAll started it. */
  target(): Target;
  /** A number not used before in this suite's run (names of topics, groups, producers). */
  counter(): number;
  call(path: string, init?: RequestInit): Promise<Response>;
  json(path: string, method: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  msgpack(res: Response): Promise<any>;
  /** The answer is an error of this status (or one of these) and code, with a message. */
  expectError(res: Response, status: number | number[], code: string): Promise<any>;
  createTopic(partitions?: number): Promise<string>;
  produce(topic: string, records: unknown[], query?: string): Promise<Array<{ partition: number; offset: number }>>;
  fetchPage(topic: string, partition: number, query?: string): Promise<any>;
  /** One RecordBatch v2 of JSON string values, timestamps from `ts`. */
  batchOf(values: string[], ts?: number): Uint8Array<ArrayBuffer>;
}

export function contractContext(target: () => Target, core: () => LogCore, counter: () => number): ContractContext {
  const call = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${target().token}`);
    return fetch(`${target().url}${path}`, { ...init, headers });
  };
  const json = (path: string, method: string, body: unknown, headers: Record<string, string> = {}) =>
    call(path, { method, body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });
  const msgpack = async (res: Response) => decode(new Uint8Array(await res.arrayBuffer())) as any;

  async function expectError(res: Response, status: number | number[], code: string) {
    const body = (await res.json()) as any;
    expect([status].flat(), JSON.stringify(body)).toContain(res.status);
    expect(body.error.code).toBe(code);
    expect(typeof body.error.message).toBe("string");
    expect(body.error.message.length).toBeGreaterThan(5);
    return body.error;
  }

  async function createTopic(partitions = 1): Promise<string> {
    const topic = `c-${Date.now().toString(36)}-${counter()}`;
    const res = await json("/v1/topics", "POST", { name: topic, partitions });
    expect(res.status, await res.clone().text()).toBe(201);
    return topic;
  }

  async function produce(topic: string, records: unknown[], query = ""): Promise<Array<{ partition: number; offset: number }>> {
    const res = await json(`/v1/topics/${topic}/records${query}`, "POST", { records });
    const body = (await res.json()) as any;
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body.offsets;
  }

  async function fetchPage(topic: string, partition: number, query = "offset=0"): Promise<any> {
    const res = await call(`/v1/topics/${topic}/partitions/${partition}/records?${query}`);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body;
  }

  const batchOf = (values: string[], ts = 1_700_000_000_000): Uint8Array<ArrayBuffer> =>
    encodeBatch(
      values.map((v, i): RecordInput => ({ key: null, value: utf8.encode(JSON.stringify(v)), headers: [], timestamp: ts + i })),
      { crc32c: (b) => core().crc32c(b) },
    ) as Uint8Array<ArrayBuffer>;

  return { target, counter, call, json, msgpack, expectError, createTopic, produce, fetchPage, batchOf };
}
