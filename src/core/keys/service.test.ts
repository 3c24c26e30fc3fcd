// KeyService on real SQLite (node:sqlite through the standalone host's port). Regression (issue #14,
// item 9a): an unknown key id answered without hashing, so a wrong secret for a real key took
// measurably longer (0.55 vs 0.45 ms median) and told an attacker which ids exist. Every refusal
// now does the same work; the hasher is injected to count it (bench/key-verify.ts times it).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openNodeDatabase } from "../../runtime/sqlite-node.ts";
import { openStorage } from "../../runtime/sqlite-port.ts";
import { KeyService, sha256Hasher, type SecretHasher } from "./service.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "key-store-"));
  dirs.push(dir);
  const calls: Array<{ salt: string; secret: string }> = [];
  const hasher: SecretHasher = (salt, secret) => {
    calls.push({ salt, secret });
    return sha256Hasher(salt, secret);
  };
  const clock = { now: 1_000_000 };
  const open = (name: string) =>
    new KeyService(openStorage(openNodeDatabase, join(dir, `${name}.sqlite`), { createOnWrite: true }), () => clock.now, hasher);
  return { dir, calls, clock, open };
}

const SECRET = "a".repeat(32);
const WRONG = "b".repeat(32);
const key = (id: string) => ({ id, name: id, grants: [], quotas: {}, secret: SECRET });

describe("KeyService", () => {
  it("computes one hash of the same shape on every path: unknown id, revoked, wrong, rotated, right", async () => {
    const { calls, clock, open } = setup();
    const real = open("real");
    await real.create(key("real"));
    const revoked = open("revoked");
    await revoked.create(key("revoked"));
    revoked.revoke();
    const rotated = open("rotated");
    await rotated.create(key("rotated"));
    await rotated.rotate("c".repeat(32), 1_000);
    const unknown = open("unknown");
    calls.length = 0;

    const paths: Array<[string, () => Promise<unknown>, boolean]> = [
      ["unknown id", () => unknown.verify(WRONG, 0), false],
      ["unknown id, check", () => unknown.check(WRONG), false],
      ["revoked", () => revoked.verify(SECRET, 0), false],
      ["wrong secret", () => real.verify(WRONG, 0), false],
      ["right secret", () => real.verify(SECRET, 0), true],
      ["previous secret in grace", () => rotated.verify(SECRET, 0), true],
    ];
    for (const [name, run, ok] of paths) {
      const before = calls.length;
      const result = (await run()) as { ok: boolean } | boolean;
      expect(typeof result === "boolean" ? result : result.ok, name).toBe(ok);
      expect(calls.length - before, name).toBe(1);
      expect(calls.at(-1)!.salt, name).toMatch(/^[0-9a-f]{32}$/);
    }
    clock.now += 2_000; // past the grace period
    expect((await rotated.verify(SECRET, 0)).ok).toBe(false);
  });

  it("writes nothing for an id that was never created: no file, whatever is asked", async () => {
    const { dir, open } = setup();
    const unknown = open("ghost");
    for (let i = 0; i < 5; i++) expect((await unknown.verify(WRONG, 100)).ok).toBe(false);
    expect(await unknown.check(WRONG)).toBe(false);
    unknown.charge(100);
    expect(unknown.revoke().ok).toBe(false);
    expect((await unknown.rotate(WRONG, 0)).ok).toBe(false);
    expect(existsSync(join(dir, "ghost.sqlite"))).toBe(false);
    expect((await unknown.create(key("ghost"))).ok).toBe(true);
    expect(existsSync(join(dir, "ghost.sqlite"))).toBe(true);
    expect((await unknown.verify(SECRET, 0)).ok).toBe(true);
  });
});
