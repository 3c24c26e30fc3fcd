// The subscription state machine on real SQLite (node:sqlite through the standalone host's port)
// with a controlled clock: links, wakes, fencing, claims and leases.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openNodeDatabase } from "../../runtime/sqlite-node.ts";
import { openStorage } from "../../runtime/sqlite-port.ts";
import { DsSubscriptions, type SubConfig, type SubResult, type WakeNotice } from "./subscriptions.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "ds-subs-"));
  dirs.push(dir);
  const clock = { now: 1_000_000 };
  const subs = new DsSubscriptions(openStorage(openNodeDatabase, join(dir, "s.sqlite")), () => clock.now);
  return { subs, clock };
}

const webhook: SubConfig = {
  type: "webhook",
  pattern: "events/*",
  streams: [],
  webhookUrl: "https://hooks.example/w",
  wakeStream: null,
  leaseTtlMs: 5_000,
  description: null,
};
const pull: SubConfig = { ...webhook, type: "pull-wake", webhookUrl: null, wakeStream: "wake" };

function ok(r: SubResult): Extract<SubResult, { ok: true }> {
  if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
  return r;
}

describe("DsSubscriptions", () => {
  it("wakes on an append to a matching stream, once per wake, and again after the wake is done", async () => {
    const { subs } = setup();
    ok(await subs.handle({ action: "put", root: "r/", id: "s", config: webhook }));
    const first = ok(await subs.handle({ action: "appended", path: "r/events/a", from: 0, tail: 2 })).wakes!;
    expect(first).toHaveLength(1);
    expect(first[0]!.streams).toEqual([{ path: "events/a", tail: 2, acked: 0 }]);
    // A wake is under way: more data joins the next one.
    expect(ok(await subs.handle({ action: "appended", path: "r/events/a", from: 2, tail: 3 })).wakes).toEqual([]);
    // Other roots and non-matching paths never wake it.
    expect(ok(await subs.handle({ action: "appended", path: "other/events/a", from: 0, tail: 1 })).wakes).toEqual([]);
    expect(ok(await subs.handle({ action: "appended", path: "r/events/a/b", from: 0, tail: 1 })).wakes).toEqual([]);
    const w = first[0]!;
    const done = ok(
      await subs.handle({
        action: "ack",
        root: "r/",
        id: "s",
        token: w.token,
        wakeId: w.wakeId,
        generation: w.generation,
        acks: [{ stream: "events/a", offset: 2 }],
        done: true,
      }),
    );
    // Offset 3 is still unacknowledged: the next wake starts at once.
    expect(done.nextWake).toBe(true);
    expect(done.wakes![0]!.generation).toBe(w.generation + 1);
    expect(done.wakes![0]!.streams).toEqual([{ path: "events/a", tail: 3, acked: 2 }]);
  });

  it("fences acks with a wrong token, an old generation, or after done", async () => {
    const { subs } = setup();
    ok(await subs.handle({ action: "put", root: "", id: "s", config: webhook }));
    const w = ok(await subs.handle({ action: "appended", path: "events/a", from: 0, tail: 1 })).wakes![0]!;
    const ack = (over: Partial<{ token: string; generation: number }>) =>
      subs.handle({
        action: "ack",
        root: "",
        id: "s",
        token: w.token,
        wakeId: w.wakeId,
        generation: w.generation,
        acks: [{ stream: "events/a", offset: 1 }],
        done: true,
        ...over,
      });
    expect(await ack({ token: "forged" })).toMatchObject({ ok: false, status: 409, code: "FENCED" });
    expect(await ack({ generation: w.generation - 1 })).toMatchObject({ ok: false, code: "FENCED" });
    expect(ok(await ack({})).nextWake).toBe(false);
    expect(await ack({})).toMatchObject({ ok: false, code: "FENCED" });
  });

  it("supersedes a webhook wake whose lease ran out without a callback", async () => {
    const { subs, clock } = setup();
    ok(await subs.handle({ action: "put", root: "", id: "s", config: webhook }));
    const lost: WakeNotice = ok(await subs.handle({ action: "appended", path: "events/a", from: 0, tail: 1 })).wakes![0]!;
    expect(ok(await subs.handle({ action: "appended", path: "events/a", from: 1, tail: 2 })).wakes).toEqual([]);
    clock.now += webhook.leaseTtlMs;
    const retry = ok(await subs.handle({ action: "appended", path: "events/a", from: 2, tail: 3 })).wakes!;
    expect(retry).toHaveLength(1);
    expect(retry[0]!.generation).toBeGreaterThan(lost.generation);
    expect(retry[0]!.streams).toEqual([{ path: "events/a", tail: 3, acked: 0 }]);
    const late = await subs.handle({
      action: "ack",
      root: "",
      id: "s",
      token: lost.token,
      wakeId: lost.wakeId,
      generation: lost.generation,
      acks: [],
      done: true,
    });
    expect(late).toMatchObject({ ok: false, code: "FENCED" });
  });

  it("lets one worker hold a pull-wake claim until its lease ends", async () => {
    const { subs, clock } = setup();
    ok(await subs.handle({ action: "put", root: "", id: "p", config: pull }));
    // Appends to the wake stream itself never wake the subscription.
    expect(ok(await subs.handle({ action: "appended", path: "wake", from: 0, tail: 1 })).wakes).toEqual([]);
    expect(ok(await subs.handle({ action: "claim", root: "", id: "p", worker: "w1" })).claimed).toBeNull();
    ok(await subs.handle({ action: "appended", path: "events/x", from: 0, tail: 4 }));
    const claimed = ok(await subs.handle({ action: "claim", root: "", id: "p", worker: "w1" })).claimed!;
    expect(await subs.handle({ action: "claim", root: "", id: "p", worker: "w2" })).toMatchObject({
      ok: false,
      code: "ALREADY_CLAIMED",
      currentHolder: "w1",
    });
    clock.now += pull.leaseTtlMs;
    const taken = ok(await subs.handle({ action: "claim", root: "", id: "p", worker: "w2" })).claimed!;
    expect(taken.generation).toBeGreaterThan(claimed.generation);
    // The first holder's token no longer works.
    const stale = await subs.handle({
      action: "release",
      root: "",
      id: "p",
      token: claimed.token,
      wakeId: claimed.wakeId,
      generation: claimed.generation,
    });
    expect(stale).toMatchObject({ ok: false, code: "FENCED" });
    ok(await subs.handle({ action: "release", root: "", id: "p", token: taken.token, wakeId: taken.wakeId, generation: taken.generation }));
  });

  it("answers 200 for the same configuration again and 409 for a different one", async () => {
    const { subs } = setup();
    expect(ok(await subs.handle({ action: "put", root: "", id: "s", config: webhook })).created).toBe(true);
    expect(ok(await subs.handle({ action: "put", root: "", id: "s", config: { ...webhook } })).created).toBe(false);
    expect(await subs.handle({ action: "put", root: "", id: "s", config: { ...webhook, pattern: "other/*" } })).toMatchObject({
      ok: false,
      status: 409,
    });
  });
});
