// The harness of the classic group protocol's tests (src/core/groups/classic-*.test.ts): a group
// object (GroupService) on real SQLite (node:sqlite through the standalone host's port), with a fake
// clock and the alarm called by hand, and the JoinGroup / SyncGroup requests a consumer sends.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { ClassicJoinRequest, ClassicJoinResult } from "../../src/core/groups/classic-types.ts";
import { GroupService } from "../../src/core/groups/service.ts";
import type { StoragePort } from "../../src/core/storage-port.ts";
import { openNodeDatabase } from "../../src/runtime/sqlite-node.ts";
import { openStorage } from "../../src/runtime/sqlite-port.ts";

const dirs: string[] = [];
/** Each test file's afterEach: the stores the harnesses opened are deleted. */
export function removeStores(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function storage(): StoragePort {
  const dir = mkdtempSync(join(tmpdir(), "classic-group-"));
  dirs.push(dir);
  return openStorage(openNodeDatabase, join(dir, "g.sqlite"));
}

export const DELAY = 100;

export function harness(store = storage()) {
  const clock = { t: 1_000_000 };
  const alarms: number[] = [];
  let ids = 0;
  const open = () =>
    new GroupService(store, {
      now: () => clock.t,
      initialRebalanceDelayMs: DELAY,
      newMemberId: () => `http${ids++}`,
      alarms: { setAlarm: (at) => alarms.push(at), deleteAlarm: () => alarms.push(-1) },
    });
  const s = open();
  /** Moves the clock and runs the alarm, as the object's alarm would at that time. */
  const advance = (ms: number, svc = s) => {
    clock.t += ms;
    svc.alarm();
  };
  return { s, clock, alarms, advance, open };
}

export const meta = (topics: string[]) => new TextEncoder().encode(topics.join(","));
export const joinReq = (memberId: string, extra: Partial<ClassicJoinRequest> = {}): ClassicJoinRequest => ({
  memberId,
  groupInstanceId: null,
  requireKnownMemberId: true,
  supportSkipAssignment: false,
  clientId: "app",
  clientHost: "/127.0.0.1",
  sessionTimeoutMs: 1_000,
  rebalanceTimeoutMs: 5_000,
  protocolType: "consumer",
  protocols: [
    { name: "range", metadata: meta(["orders"]) },
    { name: "roundrobin", metadata: meta(["orders"]) },
  ],
  topics: ["orders"],
  ...extra,
});

/** A settled promise's value, or "pending" (the object answers waiting calls from its alarm). */
export async function peek<T>(p: T | Promise<T>): Promise<T | "pending"> {
  return Promise.race([Promise.resolve(p), new Promise<"pending">((r) => setTimeout(() => r("pending"), 0))]);
}

export async function joined(p: ClassicJoinResult | Promise<ClassicJoinResult>): Promise<ClassicJoinResult> {
  const r = await peek(p);
  if (r === "pending") throw new Error("JoinGroup is still waiting");
  return r;
}

/** KIP-394: the first JoinGroup returns the id, the second one (with it) waits for the join phase. */
export function firstJoin(s: GroupService, extra: Partial<ClassicJoinRequest> = {}) {
  const first = s.kafkaJoin("g", joinReq("", extra)) as ClassicJoinResult;
  expect(first.error).toBe("MEMBER_ID_REQUIRED");
  expect(first.memberId).toMatch(/^app-/);
  return { id: first.memberId, join: s.kafkaJoin("g", joinReq(first.memberId, extra)) };
}

export const assignment = (n: number) => new Uint8Array([n]);
export const sync = (s: GroupService, memberId: string, generationId: number, leaderFor: string[] = []) =>
  s.kafkaSync("g", {
    memberId,
    groupInstanceId: null,
    generationId,
    protocolType: "consumer",
    protocolName: "range",
    assignments: leaderFor.map((id, i) => ({
      memberId: id,
      assignment: assignment(i + 1),
      partitions: [{ topic: "orders", partitions: [i] }],
    })),
  });
