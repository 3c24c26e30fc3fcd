// The harness of the group coordinator's tests (src/core/groups/coordinator.test.ts,
// membership.test.ts): a coordinator on real SQLite (node:sqlite through the standalone host's
// port) with a fake clock and the alarms it asks for recorded, and an HTTP member's join.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { GroupCoordinator } from "../../src/core/groups/coordinator.ts";
import type { JoinRequest, Membership } from "../../src/core/groups/types.ts";
import type { StoragePort } from "../../src/core/storage-port.ts";
import { openNodeDatabase } from "../../src/runtime/sqlite-node.ts";
import { openStorage } from "../../src/runtime/sqlite-port.ts";

const dirs: string[] = [];
/** Each test file's afterEach: the stores the harnesses opened are deleted. */
export function removeStores(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function storage(): StoragePort {
  const dir = mkdtempSync(join(tmpdir(), "group-coordinator-"));
  dirs.push(dir);
  return openStorage(openNodeDatabase, join(dir, "g.sqlite"));
}

export function harness(store = storage()) {
  const clock = { t: 1_000_000 };
  const alarms: number[] = [];
  const open = () =>
    new GroupCoordinator(store, { now: () => clock.t, alarms: { setAlarm: (at) => alarms.push(at), deleteAlarm: () => alarms.push(-1) } });
  return { store, clock, alarms, open, g: open() };
}

export const T = { orders: { partitions: 4, epoch: 1 } };
export const joinReq = (memberId: string, extra: Partial<JoinRequest> = {}): JoinRequest => ({
  memberId,
  subscription: { topics: ["orders"] },
  resolved: T,
  sessionTimeoutMs: 1_000,
  autoOffsetReset: "earliest",
  autoCommit: true,
  ...extra,
});
export const ok = <R extends { ok: boolean }>(r: R): Extract<R, { ok: true }> => {
  expect(r.ok, JSON.stringify(r)).toBe(true);
  return r as Extract<R, { ok: true }>;
};
export const owned = (m: Membership) => m.assignment.flatMap((a) => a.partitions.map((p) => `${a.topic}/${p}`));
