// Helpers for the consumer-group tests: join / poll / commit through the real Worker.
import { expect } from "vitest";
import { call, json, testEnv } from "./api-support.ts";

let groupCounter = 0;
export function newGroup(): string {
  return `g${Date.now().toString(36)}-${groupCounter++}`;
}

export interface Joined {
  member_id: string;
  member_epoch: number;
  group_epoch: number;
  assignment: Array<{ topic: string; partitions: number[] }>;
  pending: Array<{ topic: string; partitions: number[] }>;
}

export async function join(group: string, body: Record<string, unknown>): Promise<Joined> {
  const res = await json(`/v1/groups/${group}/members`, "POST", body);
  const out = (await res.json()) as any;
  expect(res.status, JSON.stringify(out)).toBe(200);
  return out;
}

export interface Polled extends Joined {
  records: Array<{ topic: string; partition: number; offset: number; value: unknown; key: unknown }>;
}

export async function pollRaw(group: string, member: string, body: Record<string, unknown>): Promise<Response> {
  return json(`/v1/groups/${group}/members/${member}/poll`, "POST", body);
}

export async function poll(group: string, member: string, epoch: number, extra: Record<string, unknown> = {}): Promise<Polled> {
  const res = await pollRaw(group, member, { member_epoch: epoch, ...extra });
  const out = (await res.json()) as any;
  expect(res.status, JSON.stringify(out)).toBe(200);
  return out;
}

export function commit(group: string, member: string, epoch: number, offsets: unknown[]): Promise<Response> {
  return json(`/v1/groups/${group}/members/${member}/commit`, "POST", { member_epoch: epoch, offsets });
}

export async function describeGroup(group: string): Promise<any> {
  const res = await call(`/v1/groups/${group}`);
  const out = await res.json();
  expect(res.status, JSON.stringify(out)).toBe(200);
  return out;
}

export function leave(group: string, member: string): Promise<Response> {
  return call(`/v1/groups/${group}/members/${member}`, { method: "DELETE" });
}

export function groupStub(group: string) {
  return testEnv.GROUP.get(testEnv.GROUP.idFromName(group));
}

export function partitionsOf(a: Array<{ topic: string; partitions: number[] }>): string[] {
  return a.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p}`));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
