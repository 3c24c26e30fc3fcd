// The `edgebroker` command: global options, the command tree, and the one place where failures
// become exit codes (exit-codes.ts). bin/edgebroker.js runs the compiled copy (dist/cli).
import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { registerBench } from "./commands/bench.ts";
import { registerConnect } from "./commands/connect.ts";
import { registerConsume } from "./commands/consume.ts";
import { registerDevServe } from "./commands/dev-serve.ts";
import { registerGroup } from "./commands/group.ts";
import { registerKafkaProxy } from "./commands/kafka-proxy.ts";
import { registerKey } from "./commands/key.ts";
import { registerProduce } from "./commands/produce.ts";
import { registerTopic } from "./commands/topic.ts";
import { DEFAULT_URL, DEV_TOKEN_FILE } from "./connection.ts";
import { currentConnection } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { exitAfterFlush } from "./output.ts";
import { debugEnabled, reportError } from "./report.ts";

// src/cli/index.ts and dist/cli/index.js are both two levels below the package root.
const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

const EPILOG = `
Environment:
  EDGEBROKER_URL     broker URL (default ${DEFAULT_URL})
  EDGEBROKER_TOKEN   bearer token: the admin token or an API key secret. When unset and the
                     broker is on this machine, the token \`npm run dev\` keeps in
                     ${DEV_TOKEN_FILE} (of the edgebroker package) is used
  EDGEBROKER_DEBUG   1 to print stack traces
  NO_COLOR           set to turn colors off (they are only used on a terminal anyway)

Exit codes:
  0 ok · 1 the broker refused or failed the operation · 2 usage error · 3 cannot reach the broker
  4 not authorized (401/403) · 130 interrupted (Ctrl-C)

Examples:
  edgebroker topic create orders --partitions 3
  seq 1 1000 | edgebroker produce orders
  edgebroker consume orders --from-beginning --max 10 --format json`;

export function buildProgram(jsonErrors = false): Command {
  const program = new Command("edgebroker")
    .description("Command line for edgebroker, a Kafka-style event broker for the edge.")
    .version(version, "-V, --version")
    .option("--url <url>", `broker URL (env EDGEBROKER_URL, default ${DEFAULT_URL})`)
    .option("--token <token>", "bearer token (env EDGEBROKER_TOKEN)")
    .option("--json", "machine-readable JSON output (one document, or one object per line)")
    .option("--debug", "print stack traces on errors (env EDGEBROKER_DEBUG=1)")
    .addHelpText("after", EPILOG)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError(jsonErrors ? false : "(run with --help for usage)")
    .showSuggestionAfterError(true)
    // Usage errors must end with exit code 2, not commander's 1: we take over its exits.
    .exitOverride()
    // With --json, commander's own usage errors are JSON on stderr too (subcommands inherit this).
    .configureOutput({
      outputError: (text, write) =>
        write(
          jsonErrors
            ? `${JSON.stringify({ error: { code: "usage_error", message: text.replace(/^error: /, "").trim(), exit_code: EXIT.usage } })}\n`
            : text,
        ),
    });
  registerDevServe(program);
  registerTopic(program);
  registerProduce(program);
  registerConsume(program);
  registerGroup(program);
  registerKey(program);
  registerBench(program);
  registerKafkaProxy(program);
  registerConnect(program);
  return program;
}

/** Runs one command line (without the node and script arguments); resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const program = buildProgram(args.includes("--json"));
  try {
    await program.parseAsync(args, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (e) {
    // Commander has already printed its message (and our hint) to stderr.
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const opts = program.opts();
    return reportError(e, currentConnection(), debugEnabled(opts.debug as boolean | undefined), opts.json === true);
  }
}

// `consume ... | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(EXIT.ok);
  throw e;
});

await exitAfterFlush(await main(process.argv.slice(2)));
