// `edgebroker connect file` (the file source) as a real process against the Node server: lines
// appended once each, in order; a second run resumes from the state file; while following, a
// rotated file is read to its end (its unterminated last line too) and the new file from the
// start; a truncated file is read again from the top. The topic has one partition, so its order
// is the order of the lines.
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type Target } from "../contract/hosts-support.ts";
import { cliFor, startCli, until } from "./cli-support.ts";

const lines = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe("edgebroker connect file", () => {
  let target: Target;
  let cli: ReturnType<typeof cliFor>;
  let dir: string;
  let file: string;

  async function values(): Promise<string[]> {
    const res = await fetch(`${target.url}/v1/topics/logs/partitions/0/records?offset=0&max_records=10000`, {
      headers: { authorization: `Bearer ${target.token}` },
    });
    const body = (await res.json()) as { records: Array<{ value: string }> };
    return body.records.map((r) => r.value);
  }

  beforeAll(async () => {
    target = await startRuntime("node");
    cli = cliFor(target.url, target.token);
    dir = mkdtempSync(join(tmpdir(), "edgebroker-connect-file-"));
    file = join(dir, "app.log");
    const created = await cli(["topic", "create", "logs", "--partitions", "1"]);
    expect(created.code, created.stderr).toBe(0);
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await target?.stop();
  });

  it("appends every line once and resumes from the stored position", async () => {
    writeFileSync(file, `${lines("a", 100).join("\n")}\n`);
    const first = await cli(["--json", "connect", "file", "--topic", "logs", "--path", file, "--exit-at-end"]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ records: 100, state: `${file}.edgebroker-state` });
    const state = JSON.parse(readFileSync(`${file}.edgebroker-state`, "utf8")) as { position: number };
    expect(state.position).toBe(readFileSync(file).length);

    // A half-written line is not sent until its newline arrives.
    appendFileSync(file, `${lines("b", 50).join("\n")}\nb-partial`);
    const second = await cli(["--json", "connect", "file", "--topic", "logs", "--path", file, "--exit-at-end"]);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ records: 50 });
    appendFileSync(file, "-done\n");
    const third = await cli(["--json", "connect", "file", "--topic", "logs", "--path", file, "--exit-at-end"]);
    expect(JSON.parse(third.stdout)).toMatchObject({ records: 1 });
    expect(await values()).toEqual([...lines("a", 100), ...lines("b", 50), "b-partial-done"]);
  });

  it("follows the file across rotation and truncation", async () => {
    const follow = startCli([
      "--url",
      target.url,
      "--token",
      target.token,
      "connect",
      "file",
      "--topic",
      "logs",
      "--path",
      file,
      "--poll-ms",
      "50",
    ]);
    const before = (await values()).length;
    appendFileSync(file, `${lines("c", 20).join("\n")}\n`);
    await until(async () => (await values()).length === before + 20, "the appended lines");

    // Rotation: the old file gets a last line without a newline, then a new file takes the path.
    appendFileSync(file, "c-last-unterminated");
    renameSync(file, `${file}.1`);
    writeFileSync(file, `${lines("d", 30).join("\n")}\n`);
    await until(async () => (await values()).length === before + 51, "the rotated file's rest and the new file");

    // Truncation (copytruncate): the file is emptied and written again, shorter than the position.
    writeFileSync(file, "e-0\ne-1\n");
    await until(async () => (await values()).length === before + 53, "the lines after truncation");
    follow.signal("SIGTERM");
    const exited = await follow.exited;
    expect(exited.code, exited.stderr).toBe(143);

    const all = await values();
    expect(all.slice(before)).toEqual([...lines("c", 20), "c-last-unterminated", ...lines("d", 30), "e-0", "e-1"]);
    expect(new Set(all).size).toBe(all.length);
  });
});
