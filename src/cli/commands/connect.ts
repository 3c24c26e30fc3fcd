// `edgebroker connect file --topic T --path F`: the file source, Kafka Connect's FileStreamSource
// example, run from the CLI — tail a log file and append one record per line. Its progress (the
// file's inode and the byte position after the last acknowledged line) is kept in a state file,
// written after each acknowledged batch, so a restart resumes there; rotation and truncation are
// followed (file-tail.ts). At least once: lines sent but not yet recorded when the process is
// killed are sent again after the restart (at most one batch).
import { readFile, rename, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { Producer } from "../../client/index.ts";
import { clientOptions, contextOf, integer, keyValue, oneOf, onInterrupt } from "../context.ts";
import { FileTail, type TailPosition } from "../file-tail.ts";
import { count, note, printJson } from "../output.ts";
import { recordFromLine, VALUE_FORMATS, type ValueFormat } from "../record-line.ts";

interface FileOptions {
  topic: string;
  path: string;
  state?: string;
  pollMs: number;
  keySeparator?: string;
  valueFormat: ValueFormat;
  header?: Record<string, string>;
  exitAtEnd?: boolean;
}

async function loadState(file: string): Promise<TailPosition | undefined> {
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const s = JSON.parse(text) as Partial<TailPosition>;
  return typeof s.inode === "number" && typeof s.position === "number" ? { inode: s.inode, position: s.position } : undefined;
}

/** Written to a temporary file and renamed over the old one, so a crash never leaves half a state. */
async function saveState(file: string, path: string, p: TailPosition): Promise<void> {
  await writeFile(`${file}.tmp`, `${JSON.stringify({ path, ...p })}\n`);
  await rename(`${file}.tmp`, file);
}

export function registerConnect(program: Command): void {
  const connect = program.command("connect").description("run a connector from this machine (the broker's own connectors: /v1/connectors)");
  connect
    .command("file")
    .description("tail a file and append one record per line to a topic (Kafka Connect's FileStreamSource)")
    .requiredOption("-t, --topic <topic>", "topic to append to")
    .requiredOption("-p, --path <file>", "the file to tail")
    .option("--state <file>", "where the position is kept (default: <path>.edgebroker-state)")
    .option("--poll-ms <ms>", "how often to look for new lines", integer(10, 60_000), 500)
    .option("-k, --key-separator <sep>", "each line is key<sep>value (split at the first <sep>)")
    .option("--value-format <format>", "string (default, as FileStreamSource), json or auto", oneOf(VALUE_FORMATS), "string")
    .option("-H, --header <key=value>", "a header on every record, repeatable", keyValue)
    .option("--exit-at-end", "stop once every line is appended (default: follow the file until interrupted)")
    .addHelpText(
      "after",
      `
The state file holds the file's inode and the byte position after the last line the broker
acknowledged; a restart resumes there. Rotation (the path names a new file) and truncation are
followed. Delivery is at least once: a kill between an append and the state write sends that
batch again.

Examples:
  edgebroker connect file --topic logs --path /var/log/app.log
  edgebroker connect file --topic logs --path app.log --exit-at-end --json`,
    )
    .action(async (opts: FileOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      const stateFile = opts.state ?? `${opts.path}.edgebroker-state`;
      const tail = new FileTail(opts.path);
      await tail.open(await loadState(stateFile));
      const producer = new Producer({ ...clientOptions(ctx), lingerMs: 5 });
      let appended = 0;
      let stopping = false;
      let wake: (() => void) | undefined;
      const stopOnSignal = onInterrupt(async () => {
        stopping = true;
        wake?.();
        await done;
      });
      const run = async () => {
        let lineNo = 0;
        while (!stopping) {
          const { lines, position } = await tail.next();
          if (lines.length === 0) {
            if (opts.exitAtEnd) break;
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, opts.pollMs);
            });
            continue;
          }
          const sends = [];
          for (const line of lines) {
            lineNo++;
            if (line.length === 0) continue;
            const { key, value } = recordFromLine(line, lineNo, { keySeparator: opts.keySeparator, valueFormat: opts.valueFormat });
            sends.push(producer.send({ topic: opts.topic, key, value, headers: opts.header }));
          }
          await Promise.all(sends);
          appended += sends.length;
          await saveState(stateFile, opts.path, position);
        }
      };
      const done = run().finally(async () => {
        await producer.close().catch(() => {});
        await tail.close();
      });
      await done;
      stopOnSignal();
      const summary = { topic: opts.topic, path: opts.path, records: appended, state: stateFile, position: tail.where() };
      if (ctx.json) printJson(summary);
      else note(`appended ${count(appended)} line${appended === 1 ? "" : "s"} of ${opts.path} to ${opts.topic}; position in ${stateFile}`);
    });
}
