// A file produced with the CLI and consumed back with the CLI, as separate processes against the
// standalone Node server: every record arrives once, in order within its partition, each key
// always in the same partition; groups resume where they stopped.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type Target } from "../contract/hosts-support.ts";
import { cliFor, jsonLines, startCli, until } from "./cli-support.ts";

const N = 3000;
const KEYS = 17;

describe("edgebroker produce / consume", () => {
  let target: Target;
  let cli: ReturnType<typeof cliFor>;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    target = await startRuntime("node");
    cli = cliFor(target.url, target.token);
    dir = mkdtempSync(join(tmpdir(), "edgebroker-cli-"));
    file = join(dir, "orders.txt");
    const lines = Array.from({ length: N }, (_, i) => `customer-${i % KEYS}:{"n":${i},"note":"order ${i}"}`);
    writeFileSync(file, `${lines.join("\n")}\n`);
    const created = await cli(["topic", "create", "orders", "--partitions", "4"]);
    expect(created.code, created.stderr).toBe(0);
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await target?.stop();
  });

  it("produces a file with keys and reads it back in full", async () => {
    const produced = await cli(["--json", "produce", "orders", "--file", file, "--key-separator", ":", "--progress"]);
    expect(produced.code, produced.stderr).toBe(0);
    // --progress draws the bar on stderr even without a terminal; stdout stays pure JSON.
    expect(produced.stderr).toMatch(/100% \| 3,000 records \| [\d,]+ records\/s/);
    const summary = JSON.parse(produced.stdout) as { records: number; partitions: Array<{ partition: number; records: number }> };
    expect(summary.records).toBe(N);
    expect(summary.partitions.reduce((n, p) => n + p.records, 0)).toBe(N);

    const consumed = await cli(["consume", "orders", "--from-beginning", "--max", String(N), "--format", "json"]);
    expect(consumed.code, consumed.stderr).toBe(0);
    const records = jsonLines(consumed.stdout);
    expect(records).toHaveLength(N);
    // Every record once, with its key and value as written.
    const byN = new Map(records.map((r) => [(r.value as { n: number }).n, r]));
    expect(byN.size).toBe(N);
    for (let i = 0; i < N; i++) {
      const r = byN.get(i)!;
      expect(r.key).toBe(`customer-${i % KEYS}`);
      expect(r.value).toEqual({ n: i, note: `order ${i}` });
      expect(r.topic).toBe("orders");
      expect(typeof r.timestamp).toBe("number");
      expect(r.headers).toEqual({});
    }
    // A key always lands in one partition, and within a partition offsets are in order and the
    // input order of that key is kept.
    const partitionOf = new Map<string, number>();
    const lastOffset = new Map<number, number>();
    const lastN = new Map<string, number>();
    for (const r of records) {
      const key = r.key as string;
      const partition = r.partition as number;
      expect(partitionOf.get(key) ?? partition).toBe(partition);
      partitionOf.set(key, partition);
      expect(r.offset as number).toBeGreaterThan(lastOffset.get(partition) ?? -1);
      lastOffset.set(partition, r.offset as number);
      expect((r.value as { n: number }).n).toBeGreaterThan(lastN.get(key) ?? -1);
      lastN.set(key, (r.value as { n: number }).n);
    }
    const perPartition = new Map<number, number>();
    for (const r of records) perPartition.set(r.partition as number, (perPartition.get(r.partition as number) ?? 0) + 1);
    for (const p of summary.partitions) expect(perPartition.get(p.partition)).toBe(p.records);
  });

  it("without --max or --follow, stops once caught up with the end offsets", async () => {
    const r = await cli(["consume", "orders", "--from-beginning"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n").filter(Boolean);
    expect(lines).toHaveLength(N);
    // plain format: the value as JSON text
    expect(lines.map((l) => (JSON.parse(l) as { n: number }).n).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it("plain format with --print-key gives back the produced lines", async () => {
    const r = await cli(["consume", "orders", "--from-beginning", "--partition", "0", "--print-key", "--key-separator", ":"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^customer-\d+:\{"n":\d+,"note":"order \d+"\}$/);
  });

  it("--partition with --offset starts there", async () => {
    const all = jsonLines((await cli(["consume", "orders", "--from-beginning", "--partition", "1", "--format", "json"])).stdout);
    expect(all.length).toBeGreaterThan(10);
    const r = await cli(["consume", "orders", "--partition", "1", "--offset", "5", "--max", "3", "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stdout)).toEqual(all.slice(5, 8));
  });

  it("--timestamp starts at the first record at or after it (ms or ISO 8601)", async () => {
    const all = jsonLines((await cli(["consume", "orders", "--from-beginning", "--partition", "2", "--format", "json"])).stdout);
    const mid = all[Math.floor(all.length / 2)]!.timestamp as number;
    const expected = all.find((r) => (r.timestamp as number) >= mid)!;
    for (const t of [String(mid), new Date(mid).toISOString()]) {
      const r = await cli(["consume", "orders", "--partition", "2", "--timestamp", t, "--max", "1", "--format", "json"]);
      expect(r.code, r.stderr).toBe(0);
      expect(jsonLines(r.stdout)).toEqual([expected]);
    }
    const bad = await cli(["consume", "orders", "--timestamp", "yesterday"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("ISO 8601");
  });

  it("stdin, plain strings, headers and a fixed partition", async () => {
    await cli(["topic", "create", "notes", "--partitions", "2"]);
    const produced = await cli(["produce", "notes", "--partition", "1", "--header", "source=test", "--header", "v=2"], {
      input: "hello\n\nworld\n42\n",
    });
    expect(produced.code, produced.stderr).toBe(0);
    expect(produced.stderr).toContain("produced 3 records to notes");
    const r = await cli(["consume", "notes", "--from-beginning", "--format", "json"]);
    const records = jsonLines(r.stdout);
    expect(records.map((x) => x.value)).toEqual(["hello", "world", 42]);
    expect(records.every((x) => x.partition === 1 && x.key === null)).toBe(true);
    expect(records[0]!.headers).toEqual({ source: "test", v: "2" });
    const plain = await cli(["consume", "notes", "--from-beginning"]);
    expect(plain.stdout).toBe("hello\nworld\n42\n");
  });

  it("--value-format json refuses a line that is not JSON: exit 1 naming the line", async () => {
    const r = await cli(["produce", "notes", "--value-format", "json"], { input: '{"ok":1}\nnot json\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("line 2");
  });

  it("a missing key separator is an error naming the line", async () => {
    const r = await cli(["produce", "notes", "--key-separator", "|"], { input: "a|1\nb2\n" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("line 2");
  });

  it("--file that does not exist: exit 2", async () => {
    const r = await cli(["produce", "notes", "--file", join(dir, "missing.txt")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no such file");
  });

  it("a group resumes after its committed offsets, and shows them in describe", async () => {
    const first = await cli(["consume", "orders", "--group", "billing", "--from-beginning", "--max", "100", "--format", "json"]);
    expect(first.code, first.stderr).toBe(0);
    const a = jsonLines(first.stdout);
    expect(a).toHaveLength(100);
    const rest = await cli(["consume", "orders", "--group", "billing", "--format", "json"]);
    expect(rest.code, rest.stderr).toBe(0);
    const b = jsonLines(rest.stdout);
    // Together: every record exactly once.
    const seen = [...a, ...b].map((r) => `${r.partition}/${r.offset}`);
    expect(new Set(seen).size).toBe(N);
    expect(seen).toHaveLength(N);

    const described = await cli(["--json", "group", "describe", "billing"]);
    expect(described.code, described.stderr).toBe(0);
    const g = JSON.parse(described.stdout) as { offsets: Array<{ partition: number; offset: number; lag: number }> };
    expect(g.offsets).toHaveLength(4);
    expect(g.offsets.every((o) => o.lag === 0)).toBe(true);

    const listed = JSON.parse((await cli(["--json", "group", "list"])).stdout) as { groups: Array<{ group: string }> };
    expect(listed.groups.map((x) => x.group)).toContain("billing");

    const reset = await cli(["--json", "group", "reset", "billing", "--topic", "orders", "--to", "earliest", "--execute"]);
    expect(reset.code, reset.stderr).toBe(0);
    expect((JSON.parse(reset.stdout) as { offsets: Array<{ offset: number }> }).offsets.every((o) => o.offset === 0)).toBe(true);
    const again = await cli(["consume", "orders", "--group", "billing", "--max", "10", "--format", "json"]);
    expect(jsonLines(again.stdout)).toHaveLength(10);

    const deleted = await cli(["group", "delete", "billing"]);
    expect(deleted.code, deleted.stderr).toBe(0);
  });

  it("Ctrl-C stops a following group member cleanly: exit 130, offsets committed, group left", async () => {
    await cli(["topic", "create", "live", "--partitions", "1"]);
    const follower = startCli([
      "--url",
      target.url,
      "--token",
      target.token,
      "consume",
      "live",
      "--group",
      "watchers",
      "--from-beginning",
      "--follow",
      "--format",
      "json",
    ]);
    const described = async () =>
      JSON.parse((await cli(["--json", "group", "describe", "watchers"])).stdout || "{}") as {
        members?: unknown[];
        offsets?: Array<{ offset: number }>;
      };
    await until(async () => ((await described()).members ?? []).length === 1, "the member to join");
    await cli(["produce", "live"], { input: "1\n2\n3\n" });
    await until(() => jsonLines(follower.stdout()).length === 3, "three records on stdout");
    follower.signal("SIGINT");
    const result = await follower.exited;
    expect(result.code).toBe(130);
    expect(jsonLines(result.stdout).map((r) => r.value)).toEqual([1, 2, 3]);
    const after = await described();
    expect(after.members).toEqual([]);
    expect(after.offsets!.map((o) => o.offset)).toEqual([3]);
  });
});
