// Topic and key administration and the bench, through the CLI as a process, with --json output
// checked against what the broker then does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type Target } from "../contract/hosts-support.ts";
import { cliFor, jsonLines, runCli } from "./cli-support.ts";

describe("edgebroker topic / key / bench", () => {
  let target: Target;
  let cli: ReturnType<typeof cliFor>;

  beforeAll(async () => {
    target = await startRuntime("node");
    cli = cliFor(target.url, target.token);
  });
  afterAll(async () => {
    await target?.stop();
  });

  it("topic create, list, describe, delete with --json", async () => {
    const created = await cli(["--json", "topic", "create", "payments", "--partitions", "3", "--config", "retention.ms=60000"]);
    expect(created.code, created.stderr).toBe(0);
    const t = JSON.parse(created.stdout) as { name: string; partitions: unknown[]; config: Record<string, unknown> };
    expect(t.name).toBe("payments");
    expect(t.partitions).toHaveLength(3);
    expect(t.config["retention.ms"]).toBe(60000);

    const again = await cli(["topic", "create", "payments"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("topic_exists");

    const listed = JSON.parse((await cli(["--json", "topic", "list"])).stdout) as { topics: Array<{ name: string; partitions: number }> };
    expect(listed.topics).toContainEqual({ name: "payments", partitions: 3 });

    await cli(["produce", "payments", "--partition", "2"], { input: "a\nb\n" });
    const described = JSON.parse((await cli(["topic", "describe", "payments", "--json"])).stdout) as {
      partitions: Array<{ partition: number; end_offset: number }>;
    };
    expect(described.partitions.map((p) => p.end_offset)).toEqual([0, 0, 2]);

    const altered = await cli(["topic", "alter", "payments", "--config", "retention.ms=120000"]);
    expect(altered.code, altered.stderr).toBe(0);
    const human = await cli(["topic", "describe", "payments"]);
    expect(human.stdout).toMatch(/^retention\.ms\s+120000$/m);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^topic:\s+payments$/m);
    expect(human.stdout).toContain("retention.ms");
    expect(human.stdout).not.toContain("\u001b["); // no colors when stdout is not a terminal

    const deleted = await cli(["--json", "topic", "delete", "payments"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: "payments" });
    const gone = await cli(["topic", "describe", "payments"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("topic_not_found");
  });

  it("a key created by the CLI works as a token for exactly its grants", async () => {
    await cli(["topic", "create", "telemetry.a"]);
    const created = await cli(["key", "create", "sensor-7", "--grant", "produce:topic:telemetry.*"]);
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^ebk_[0-9a-f]{16}_/);
    expect(created.stderr).toContain("shown only this once");

    const asKey = (args: string[], input?: string) => runCli(["--url", target.url, "--token", secret, ...args], { input });
    const produced = await asKey(["produce", "telemetry.a"], "21.5\n");
    expect(produced.code, produced.stderr).toBe(0);
    // No consume grant: refused, exit 4.
    const consumed = await asKey(["consume", "telemetry.a", "--from-beginning"]);
    expect(consumed.code).toBe(4);
    // Not an admin: exit 4.
    expect((await asKey(["key", "list"])).code).toBe(4);

    const keys = JSON.parse((await cli(["--json", "key", "list"])).stdout) as {
      keys: Array<{ id: string; name: string; secret?: string }>;
    };
    const key = keys.keys.find((k) => k.name === "sensor-7")!;
    expect(key).toBeDefined();
    expect(key.secret).toBeUndefined();
    expect(secret).toContain(key.id);

    const revoked = await cli(["key", "revoke", key.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await asKey(["produce", "telemetry.a"], "1\n")).code).toBe(4);
  });

  it("key create without a grant: exit 2", async () => {
    const r = await cli(["key", "create", "nobody"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--grant");
  });

  it("bench produce and consume report throughput and latency as JSON", async () => {
    const produced = await cli([
      "--json",
      "bench",
      "produce",
      "--topic",
      "bench",
      "--records",
      "2000",
      "--record-size",
      "64",
      "--concurrency",
      "2",
      "--partitions",
      "2",
    ]);
    expect(produced.code, produced.stderr).toBe(0);
    const p = JSON.parse(produced.stdout) as {
      records: number;
      bytes: number;
      records_per_sec: number;
      latency: { p50_ms: number; p99_ms: number; max_ms: number };
    };
    expect(p.records).toBe(2000);
    expect(p.bytes).toBe(2000 * 64);
    expect(p.records_per_sec).toBeGreaterThan(0);
    expect(p.latency.p50_ms).toBeLessThanOrEqual(p.latency.p99_ms);
    expect(p.latency.p99_ms).toBeLessThanOrEqual(p.latency.max_ms);

    const consumed = await cli(["--json", "bench", "consume", "--topic", "bench"]);
    expect(consumed.code, consumed.stderr).toBe(0);
    const c = JSON.parse(consumed.stdout) as { records: number; bytes: number };
    expect(c.records).toBe(2000);
    expect(c.bytes).toBe(2000 * 64);
    // The records are the bench's: 64-byte values as stored JSON text.
    const one = jsonLines((await cli(["consume", "bench", "--from-beginning", "--max", "1", "--format", "json"])).stdout)[0]!;
    expect(JSON.stringify(one.value)).toHaveLength(64);
  });
});
