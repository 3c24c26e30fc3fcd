// `edgebroker produce <topic>`: one record per line from stdin or --file, like
// kafka-console-producer. Sends are pipelined (the SDK batches them) with a bounded window, so a
// large file streams at full speed in constant memory. At the end a summary goes to stderr, or
// with --json to stdout for scripts.
import type { Command } from "commander";
import { Producer } from "../../client/index.ts";
import { clientOptions, contextOf, integer, keyValue, oneOf, onInterrupt } from "../context.ts";
import { openLines } from "../line-source.ts";
import { count, note, out, printJson, rate } from "../output.ts";
import { progressBar } from "../progress.ts";
import { recordFromLine, VALUE_FORMATS, type ValueFormat } from "../record-line.ts";

// Records in flight before reading more input; enough for several full batches.
const WINDOW = 4096;

interface ProduceOptions {
  file?: string;
  keySeparator?: string;
  valueFormat: ValueFormat;
  partition?: number;
  header?: Record<string, string>;
  lingerMs?: number;
  idempotent: boolean;
  progress?: boolean;
}

interface PartitionSummary {
  partition: number;
  records: number;
  first_offset: number;
  last_offset: number;
}

export function registerProduce(program: Command): void {
  program
    .command("produce")
    .description("send records to a topic, one per line, from stdin or a file")
    .argument("<topic>", "topic name")
    .option("-f, --file <path>", "read records from this file instead of stdin")
    .option("-k, --key-separator <sep>", "each line is key<sep>value (split at the first <sep>)")
    .option(
      "--value-format <format>",
      "auto: a line that parses as JSON is sent as JSON, else as a string; json; string",
      oneOf(VALUE_FORMATS),
      "auto",
    )
    .option("-p, --partition <n>", "send every record to this partition (default: by key, as Kafka's partitioner)", integer(0))
    .option("-H, --header <key=value>", "a header on every record, repeatable", keyValue)
    .option("--linger-ms <ms>", "how long the producer waits to fill a batch", integer(0, 60_000))
    .option("--no-idempotent", "a plain producer (default: idempotent, so retries never duplicate records)")
    .option("--progress", "show the progress bar (for --file) even when stderr is not a terminal")
    .option("--no-progress", "never show the progress bar")
    .addHelpText(
      "after",
      `
Blank lines are skipped. Input is streamed: files of any size work.

Examples:
  echo 'hello' | edgebroker produce orders
  printf 'alice:{"amount":5}\\nbob:{"amount":7}\\n' | edgebroker produce orders --key-separator :
  edgebroker produce orders --file orders.txt --key-separator : --header source=import`,
    )
    .action(async (topic: string, opts: ProduceOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      const source = openLines(opts.file);
      if (opts.file === undefined && process.stdin.isTTY) note(out.dim("reading records from stdin, one per line; Ctrl-D to finish"));
      const producer = new Producer({
        ...clientOptions(ctx),
        ...(opts.lingerMs === undefined ? {} : { lingerMs: opts.lingerMs }),
        idempotent: opts.idempotent,
      });
      const started = performance.now();
      const partitions = new Map<number, PartitionSummary>();
      let sent = 0;
      let acked = 0;
      let failure: unknown;
      const progress = progressBar(source.totalBytes, opts.progress);

      const summary = () => {
        const ms = performance.now() - started;
        const parts = [...partitions.values()].sort((a, b) => a.partition - b.partition);
        return { topic, records: acked, elapsed_ms: Math.round(ms), records_per_sec: Math.round(rate(acked, ms)), partitions: parts };
      };
      const finish = () => {
        progress.stop();
        const s = summary();
        if (ctx.json) printJson(s);
        else
          note(
            `produced ${count(s.records)} record${s.records === 1 ? "" : "s"} to ${topic} in ${(s.elapsed_ms / 1000).toFixed(2)} s (${count(s.records_per_sec)} records/s)`,
          );
      };
      const stopOnSignal = onInterrupt(async () => {
        source.close();
        await producer.close().catch(() => {});
        finish();
      });

      const track = (p: Promise<{ partition: number; offset: number }>) =>
        p.then(({ partition, offset }) => {
          acked++;
          const s = partitions.get(partition);
          if (!s) partitions.set(partition, { partition, records: 1, first_offset: offset, last_offset: offset });
          else {
            s.records++;
            s.first_offset = Math.min(s.first_offset, offset);
            s.last_offset = Math.max(s.last_offset, offset);
          }
        });

      let window: Promise<void>[] = [];
      let lineNo = 0;
      try {
        for await (const line of source.lines) {
          lineNo++;
          if (line.length === 0) continue;
          const { key, value } = recordFromLine(line, lineNo, { keySeparator: opts.keySeparator, valueFormat: opts.valueFormat });
          const p = track(producer.send({ topic, key, value, headers: opts.header, partition: opts.partition }));
          // Remember the first failure at once; the window's await reports it.
          p.catch((e: unknown) => (failure ??= e));
          window.push(p);
          sent++;
          if (failure !== undefined) break;
          if (window.length >= WINDOW) {
            await Promise.all(window);
            window = [];
            progress.update(source.bytesRead(), acked);
          }
        }
        await Promise.all(window);
        await producer.flush();
      } catch (e) {
        source.close();
        progress.stop();
        // Records sent before the failure still go out (close flushes); count them in.
        await producer.close().catch(() => {});
        await Promise.allSettled(window);
        stopOnSignal();
        // Say how far we got: records before the failing line are in the topic.
        if (acked > 0) note(`${count(acked)} of ${count(sent)} records were stored before the error`);
        throw failure ?? e;
      }
      progress.update(source.bytesRead(), acked);
      await producer.close();
      stopOnSignal();
      finish();
    });
}
