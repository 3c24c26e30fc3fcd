// What a user sees when the command line is wrong, the broker is unreachable or the token is
// refused: a short message on stderr and an exit code that says which (2, 3, 4).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startRuntime, type Target } from "../contract/hosts-support.ts";
import { runCli } from "./cli-support.ts";

describe("edgebroker usage", () => {
  it("--help lists every command and the exit codes, on stdout, exit 0", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const command of ["dev", "serve", "topic", "produce", "consume", "group", "key", "bench"])
      expect(r.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    expect(r.stdout).toContain("EDGEBROKER_URL");
    expect(r.stdout).toContain("Exit codes:");
  });

  it("a subcommand's --help shows its options and the global ones", async () => {
    const r = await runCli(["consume", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--from-beginning");
    expect(r.stdout).toContain("--format <format>");
    expect(r.stdout).toContain("--url <url>");
  });

  it("an unknown command: exit 2, the error and a suggestion on stderr, nothing on stdout", async () => {
    const r = await runCli(["prodce", "orders"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("unknown command 'prodce'");
    expect(r.stderr).toContain("Did you mean produce?");
    expect(r.stderr).toContain("--help");
  });

  it("an unknown option: exit 2 with the option named", async () => {
    const r = await runCli(["consume", "orders", "--from-begining"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--from-begining'");
    expect(r.stderr).toContain("--from-beginning");
  });

  it("a missing argument: exit 2", async () => {
    const r = await runCli(["topic", "create"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'name'");
  });

  it("a malformed option value: exit 2 saying what was expected", async () => {
    const r = await runCli(["topic", "create", "orders", "--partitions", "zero"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("expected an integer ≥ 1");
  });

  it("no command at all: the help on stderr, exit 2", async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Usage: edgebroker");
  });

  it("--offset without --partition: exit 2", async () => {
    const r = await runCli(["consume", "orders", "--offset", "5"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--offset needs --partition");
  });

  it("a bad --url: exit 2", async () => {
    const r = await runCli(["--url", "localhost:8787", "topic", "list"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("http:// or https://");
  });

  it("nothing listening at the URL: exit 3 and a hint to start a broker", async () => {
    const port = await freePort();
    const r = await runCli(["--url", `http://127.0.0.1:${port}`, "--token", "t", "topic", "list"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`cannot reach http://127.0.0.1:${port}`);
    expect(r.stderr).toContain("npm run dev");
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace without --debug
  });

  it("EDGEBROKER_URL is used when --url is absent", async () => {
    const port = await freePort();
    const r = await runCli(["topic", "list"], { env: { EDGEBROKER_URL: `http://127.0.0.1:${port}`, EDGEBROKER_TOKEN: "t" } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
  });

  describe("against a broker", () => {
    let target: Target;
    beforeAll(async () => {
      target = await startRuntime("node");
    });
    afterAll(async () => {
      await target?.stop();
    });

    it("a wrong token: exit 4 with the broker's code", async () => {
      const r = await runCli(["--url", target.url, "--token", "wrong", "topic", "list"]);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/error: \w+: /);
      expect(r.stderr).toContain("--token was not accepted");
    });

    it("no token: exit 4, saying how to give one", async () => {
      const r = await runCli(["--url", target.url, "topic", "list"]);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain("EDGEBROKER_TOKEN");
    });

    it("EDGEBROKER_TOKEN is used when --token is absent", async () => {
      const r = await runCli(["--url", target.url, "--json", "topic", "list"], { env: { EDGEBROKER_TOKEN: target.token } });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ topics: [] });
    });

    it("the broker refuses an operation: exit 1 with its code and message", async () => {
      const r = await runCli(["--url", target.url, "--token", target.token, "topic", "describe", "no-such-topic"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("topic_not_found");
      expect(r.stderr).toContain("no-such-topic");
    });

    it("--debug adds the stack trace", async () => {
      const r = await runCli(["--url", target.url, "--token", target.token, "--debug", "topic", "describe", "no-such-topic"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/\n\s+at /);
    });
  });
});
