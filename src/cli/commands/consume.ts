// `edgebroker consume <topic>`: print records as they are read, like kafka-console-consumer.
// Without --follow it stops once it has read up to the end offsets the topic had when it started
// (so `consume ... > file` terminates); --follow keeps waiting for new records. --max N stops
// after N records. Ctrl-C closes the consumer cleanly: a group member commits and leaves.
import { Option, type Command } from "commander";
import { once } from "node:events";
import { Admin, Consumer } from "../../client/index.ts";
import { UsageError } from "../exit-codes.ts";
import { clientOptions, contextOf, integer, oneOf, onInterrupt, timestamp } from "../context.ts";
import { note, out } from "../output.ts";
import { FORMATS, jsonLine, plainLine, type ConsumedRecord, type Format } from "../record-format.ts";
import { planPositions, type Plan } from "../consume-plan.ts";

interface ConsumeOptions {
  fromBeginning?: boolean;
  offset?: number;
  partition?: number;
  timestamp?: number;
  follow?: boolean;
  group?: string;
  max?: number;
  format?: Format;
  printKey?: boolean;
  keySeparator: string;
  waitMs: number;
}

// Records per poll; with --max fewer, so a group never takes more than it will print.
const POLL_RECORDS = 500;
// Generous, so a slow broker is never mistaken for the end of a compacted topic.
const IDLE_MS = 10_000;

/** The next record, or undefined when none came within idleMs. */
async function nextOrIdle<T>(it: AsyncIterator<T>, idleMs: number | undefined): Promise<IteratorResult<T> | undefined> {
  if (idleMs === undefined) return it.next();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), idleMs);
  });
  try {
    return await Promise.race([it.next(), idle]);
  } finally {
    clearTimeout(timer);
  }
}

export function registerConsume(program: Command): void {
  program
    .command("consume")
    .description("print a topic's records, one per line")
    .argument("<topic>", "topic name")
    .option("--from-beginning", "start at the oldest record (default: the end; a group resumes from its committed offsets)")
    .addOption(
      new Option("--offset <offset>", "start at this offset (with --partition)")
        .argParser(integer(0))
        .conflicts(["fromBeginning", "timestamp"]),
    )
    .option("-p, --partition <n>", "read only this partition", integer(0))
    .addOption(
      new Option("--timestamp <time>", "start at the first record at or after this time (ms since the epoch or ISO 8601)")
        .argParser(timestamp)
        .conflicts("fromBeginning"),
    )
    .option("-f, --follow", "keep waiting for new records (default: stop at the end offsets seen at start)")
    .addOption(
      new Option("-g, --group <group>", "consume as a member of this consumer group (commits as it goes)").conflicts([
        "offset",
        "timestamp",
        "partition",
      ]),
    )
    .option("-n, --max <n>", "stop after this many records", integer(1))
    .option(
      "--format <format>",
      "plain: the value per line; json: one JSON object per line (default plain; json with --json)",
      oneOf(FORMATS),
    )
    .option("--print-key", "plain format: print key<separator>value")
    .option("--key-separator <sep>", "separator for --print-key", "\t")
    .addOption(new Option("--wait-ms <ms>", "long-poll wait of each fetch").argParser(integer(0, 60_000)).default(1000).hideHelp())
    .addHelpText(
      "after",
      `
Examples:
  edgebroker consume orders --from-beginning
  edgebroker consume orders --from-beginning --max 10 --format json
  edgebroker consume orders --partition 0 --offset 42 --follow
  edgebroker consume orders --timestamp 2026-01-31T12:00:00Z
  edgebroker consume orders --group billing --from-beginning --follow`,
    )
    .action(async (topic: string, opts: ConsumeOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      if (opts.offset !== undefined && opts.partition === undefined)
        throw new UsageError("--offset needs --partition: offsets are per partition");
      const format: Format = opts.format ?? (ctx.json ? "json" : "plain");
      const admin = new Admin(clientOptions(ctx));
      const plan: Plan = await planPositions(admin, topic, opts);
      const consumer = new Consumer({
        ...clientOptions(ctx),
        topics: [topic],
        ...(opts.group === undefined ? {} : { group: opts.group }),
        ...(opts.partition === undefined ? {} : { partitions: [opts.partition] }),
        autoOffsetReset: opts.fromBeginning ? "earliest" : "latest",
        maxRecords: Math.min(POLL_RECORDS, opts.max ?? POLL_RECORDS),
        waitMs: opts.waitMs,
      });
      for (const seek of plan.seeks) consumer.seek({ topic, ...seek });

      let printed = 0;
      const stopOnSignal = onInterrupt(() => consumer.close());
      const print = format === "json" ? jsonLine : (r: ConsumedRecord) => plainLine(r, opts.printKey ? opts.keySeparator : undefined);
      const done = () => (opts.max !== undefined && printed >= opts.max) || (!opts.follow && plan.caughtUp());
      const records = consumer[Symbol.asyncIterator]();
      // Where the stop line may never be reached, a long quiet spell ends a run without --follow:
      // compaction removes offsets (the last ones before the line may be gone), and a group may
      // give some partitions to other members.
      const idleMs = opts.follow || !plan.mayStall ? undefined : IDLE_MS;
      try {
        while (!done()) {
          const next = await nextOrIdle(records, idleMs);
          if (next === undefined || next.done) break;
          // A slow reader (`| less`, a slow disk) holds us back instead of filling memory.
          if (!process.stdout.write(`${print(next.value)}\n`)) await once(process.stdout, "drain");
          printed++;
          plan.advance(next.value.partition, next.value.offset);
        }
      } finally {
        stopOnSignal();
        await consumer.close();
      }
      if (
        printed === 0 &&
        !opts.fromBeginning &&
        opts.offset === undefined &&
        opts.timestamp === undefined &&
        !opts.follow &&
        process.stderr.isTTY
      ) {
        note(out.dim("no records: reading started at the end of the topic; use --from-beginning, or --follow to wait for new ones"));
      }
    });
}
