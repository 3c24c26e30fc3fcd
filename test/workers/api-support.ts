// Shared helpers for the workerd integration tests: requests go through the real Worker entry
// (Hono app → Durable Object RPC → SQLite), exactly as a deployed broker handles them.
import { env, exports } from "cloudflare:workers";
import { decode, encode } from "@msgpack/msgpack";
import { expect } from "vitest";
import { TEST_ADMIN_TOKEN } from "./config-support.ts";
import type { Env } from "../../src/worker/env.ts";

export const TOKEN = TEST_ADMIN_TOKEN;
export const testEnv = env as unknown as Env;

const worker = (exports as unknown as { default: { fetch(req: Request): Promise<Response> } }).default;

export function call(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", `Bearer ${TOKEN}`);
  return worker.fetch(new Request(`http://broker${path}`, { ...init, headers }));
}

export function json(path: string, method: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, { method, body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });
}

export function msgpack(path: string, method: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, { method, body: encode(body), headers: { "content-type": "application/msgpack", ...headers } });
}

export async function readMsgpack<T = any>(res: Response): Promise<T> {
  return decode(new Uint8Array(await res.arrayBuffer())) as T;
}

let topicCounter = 0;
/** A fresh topic per test, so tests never see each other's records. */
export async function createTopic(partitions = 1, config: Record<string, unknown> = {}): Promise<string> {
  const name = `t${Date.now().toString(36)}-${topicCounter++}`;
  const res = await json("/v1/topics", "POST", { name, partitions, config });
  expect(res.status).toBe(201);
  return name;
}

export async function produce(topic: string, records: unknown[]): Promise<Array<{ partition: number; offset: number }>> {
  const res = await json(`/v1/topics/${topic}/records`, "POST", { records });
  const body = (await res.json()) as any;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.offsets;
}

export async function fetchRecords(topic: string, partition: number, query = "offset=0"): Promise<any> {
  const res = await call(`/v1/topics/${topic}/partitions/${partition}/records?${query}`);
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

export async function expectError(
  res: Response,
  status: number,
  code: string,
): Promise<{ code: string; message: string; [k: string]: unknown }> {
  const body = (await res.json()) as any;
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(10);
  return body.error;
}

export function partitionStub(topic: string, partition: number) {
  return testEnv.PARTITION.get(testEnv.PARTITION.idFromName(`${topic}/${partition}`));
}
