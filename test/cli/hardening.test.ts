// What the CLI says when things go wrong (issue #14, item 19 and the CLI side of 18), as real
// processes against a real broker: consume --offset outside the log, TLS spoken to plain HTTP and
// the reverse (exit 3, connection error), --debug showing the cause chain, --json errors as JSON
// on stderr, `key rotate`, and `group reset` as kafka-consumer-groups --reset-offsets does it
// (plan by default, --execute applies; refusals named in CLI flags).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startRuntime, type Target } from "../contract/hosts-support.ts";
import { cliFor, runCli } from "./cli-support.ts";

describe("edgebroker CLI on hostile and mistaken input", () => {
  let target: Target;
  let cli: ReturnType<typeof cliFor>;
  let tlsServer: https.Server;
  let tlsUrl = "";
  let certDir = "";

  beforeAll(async () => {
    target = await startRuntime("node");
    cli = cliFor(target.url, target.token);
    // A real TLS server (self-signed certificate made here) for "http:// to a TLS server".
    certDir = mkdtempSync(join(tmpdir(), "eb-cli-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-days",
        "1",
        "-keyout",
        join(certDir, "key.pem"),
        "-out",
        join(certDir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    tlsServer = https.createServer(
      { key: readFileSync(join(certDir, "key.pem")), cert: readFileSync(join(certDir, "cert.pem")) },
      (_req, res) => res.end("{}"),
    );
    await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
    tlsUrl = `127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await target?.stop();
    tlsServer?.close();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  it("consume --offset outside the log: offset_out_of_range with the valid range on stderr, exit 1 — with or without --follow", async () => {
    expect((await cli(["topic", "create", "short", "--partitions", "2"])).code).toBe(0);
    expect((await cli(["produce", "short", "--partition", "0"], { input: "a\nb\nc\n" })).code).toBe(0);
    for (const extra of [[], ["--follow"], ["--max", "1"]]) {
      for (const offset of ["4", "1000000"]) {
        const r = await cli(["consume", "short", "--partition", "0", "--offset", offset, ...extra]);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stdout).toBe("");
        expect(r.stderr).toContain("offset_out_of_range");
        expect(r.stderr).toContain("offsets 0 to 3");
      }
    }
    // Records deleted below 2: offset 1 is out of range too; the log end itself is a valid start.
    expect((await cli(["--json", "topic", "describe", "short"])).code).toBe(0);
    const del = await fetch(`${target.url}/v1/topics/short/partitions/0/delete-records`, {
      method: "POST",
      headers: { authorization: `Bearer ${target.token}`, "content-type": "application/json" },
      body: JSON.stringify({ before_offset: 2 }),
    });
    expect(del.status).toBe(200);
    const low = await cli(["consume", "short", "--partition", "0", "--offset", "1"]);
    expect(low.code).toBe(1);
    expect(low.stderr).toContain("offsets 2 to 3");
    const atEnd = await cli(["consume", "short", "--partition", "0", "--offset", "3"]);
    expect(atEnd.code, atEnd.stderr).toBe(0);
    const json = await cli(["--json", "consume", "short", "--partition", "1", "--offset", "1"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: "offset_out_of_range", exit_code: 1 });
  });

  it("a TLS mismatch is a connection error, exit 3, with a hint — https:// to plain HTTP and http:// to TLS", async () => {
    const toPlain = await runCli(["--url", target.url.replace("http://", "https://"), "--token", "t", "topic", "list"]);
    expect(toPlain.code, toPlain.stderr).toBe(3);
    expect(toPlain.stderr).toContain("cannot reach");
    expect(toPlain.stderr).toContain("use an http:// URL");
    const toTls = await runCli(["--url", `http://${tlsUrl}`, "--token", "t", "topic", "list"]);
    expect(toTls.code, toTls.stderr).toBe(3);
    expect(toTls.stderr).toContain("cannot reach");
  });

  it("--debug prints the cause chain of a network error (the system error fetch hides)", async () => {
    const port = await freePort();
    const r = await runCli(["--debug", "--url", `http://127.0.0.1:${port}`, "--token", "t", "topic", "list"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("caused by:");
    expect(r.stderr).toContain("ECONNREFUSED");
    const plain = await runCli(["--url", `http://127.0.0.1:${port}`, "--token", "t", "topic", "list"]);
    expect(plain.stderr).not.toContain("caused by:");
  });

  it("--json: every failure is one JSON document {error: {code, message, exit_code}} on stderr", async () => {
    const port = await freePort();
    const cases: Array<[string[], string, number]> = [
      [["--url", `http://127.0.0.1:${port}`, "--token", "t", "--json", "topic", "list"], "network_error", 3],
      [["--url", target.url, "--token", target.token, "--json", "topic", "describe", "no-such-topic"], "topic_not_found", 1],
      [["--url", target.url, "--token", "wrong", "--json", "topic", "list"], "unauthorized", 4],
      [["--json", "consume", "x", "--offset", "1"], "usage_error", 2],
      [["--json", "prodce", "x"], "usage_error", 2],
      [["--json", "topic", "create", "x", "--partitions", "zero"], "usage_error", 2],
    ];
    for (const [args, code, exit] of cases) {
      const r = await runCli(args);
      expect(r.code, r.stderr).toBe(exit);
      const lines = r.stderr.trim().split("\n");
      expect(lines, r.stderr).toHaveLength(1);
      const error = JSON.parse(lines[0]!).error;
      expect(error).toMatchObject({ code, exit_code: exit });
      expect(error.message.length).toBeGreaterThan(5);
    }
  });

  it("key rotate: a new secret on stdout; the old one stops at once, or after --grace", async () => {
    const created = JSON.parse((await cli(["--json", "key", "create", "rotor", "--grant", "admin:topic:*"])).stdout) as {
      id: string;
      secret: string;
    };
    const works = async (secret: string) => (await runCli(["--url", target.url, "--token", secret, "topic", "list"])).code;
    expect(await works(created.secret)).toBe(0);

    const graced = await cli(["key", "rotate", created.id, "--grace", "1h"]);
    expect(graced.code, graced.stderr).toBe(0);
    const second = graced.stdout.trim();
    expect(second).toMatch(/^ebk_/);
    expect(graced.stderr).toContain("old secret works until");
    expect(await works(created.secret)).toBe(0);
    expect(await works(second)).toBe(0);

    const now = JSON.parse((await cli(["--json", "key", "rotate", created.id])).stdout) as {
      secret: string;
      previous_valid_until: number | null;
    };
    expect(now.previous_valid_until).toBeNull();
    expect(await works(now.secret)).toBe(0);
    expect(await works(second)).toBe(4);

    expect((await cli(["key", "rotate", created.id, "--grace", "8d"])).code).toBe(2);
    expect((await cli(["key", "rotate", "0123456789abcdef"])).code).toBe(1);
  });

  it("group reset: the plan by default, --execute applies it, offsets clamped to the log, refusals in CLI flags", async () => {
    expect((await cli(["topic", "create", "ledger", "--partitions", "1"])).code).toBe(0);
    expect((await cli(["produce", "ledger"], { input: "1\n2\n3\n4\n" })).code).toBe(0);
    const missing = await cli(["group", "reset", "nobody", "--topic", "ledger", "--to", "earliest", "--execute"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("group_not_found");
    expect((await cli(["group", "describe", "nobody"])).code).toBe(1);

    expect((await cli(["consume", "ledger", "--group", "auditors", "--from-beginning", "--max", "4"])).code).toBe(0);
    const plan = await cli(["group", "reset", "auditors", "--topic", "ledger", "--to", "earliest"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toContain("dry run: nothing changed; add --execute");
    expect(plan.stdout).toMatch(/ledger\s+0\s+4\s+0/);
    const unchanged = JSON.parse((await cli(["--json", "group", "describe", "auditors"])).stdout) as { offsets: Array<{ offset: number }> };
    expect(unchanged.offsets[0]!.offset).toBe(4);

    const past = await cli(["--json", "group", "reset", "auditors", "--topic", "ledger", "--to-offset", "99", "--execute"]);
    expect(past.code, past.stderr).toBe(0);
    expect(JSON.parse(past.stdout)).toMatchObject({
      dry_run: false,
      offsets: [{ partition: 0, offset: 4, requested_offset: 99, clamped: "log_end" }],
    });
    const human = await cli(["group", "reset", "auditors", "--topic", "ledger", "--to-offset", "99", "--dry-run"]);
    expect(human.stdout).toContain("asked 99, past the log end 4");
    expect((await cli(["group", "reset", "auditors", "--topic", "ledger", "--to", "earliest", "--execute", "--dry-run"])).code).toBe(2);

    // An active member: the refusal names --force, not the API's "force": true.
    const join = await fetch(`${target.url}/v1/groups/auditors/members`, {
      method: "POST",
      headers: { authorization: `Bearer ${target.token}`, "content-type": "application/json" },
      body: JSON.stringify({ topics: ["ledger"], session_timeout_ms: 30000 }),
    });
    const member = (await join.json()) as { member_id: string };
    const busy = await cli(["group", "reset", "auditors", "--topic", "ledger", "--to", "earliest", "--execute"]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain("--force");
    expect(busy.stderr).not.toContain('"force"');
    const forced = await cli(["--json", "group", "reset", "auditors", "--topic", "ledger", "--to", "earliest", "--execute", "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout).offsets[0].offset).toBe(0);
    await fetch(`${target.url}/v1/groups/auditors/members/${member.member_id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${target.token}` },
    });
  });
});
