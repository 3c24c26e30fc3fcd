// `edgebroker topic create|list|describe|alter|delete` — topic administration through the SDK's Admin.
import type { Command } from "commander";
import { Admin } from "../../client/index.ts";
import { clientOptions, contextOf, integer, keyValue } from "../context.ts";
import { count, out, printFields, printJson, printLine, printTable } from "../output.ts";

interface PartitionView {
  partition: number;
  start_offset: number;
  end_offset: number;
  bytes?: number;
  oldest_timestamp?: number | null;
}

interface TopicView {
  name: string;
  partitions: PartitionView[];
  config: Record<string, unknown>;
  created_at?: number;
}

/** Config values as given on the command line, numbers as numbers (the broker checks them). */
function configValues(raw: Record<string, string> | undefined): Record<string, string | number> | undefined {
  if (!raw) return undefined;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, /^-?\d+$/.test(v) ? Number(v) : v]));
}

function printTopic(t: TopicView): void {
  const records = t.partitions.reduce((n, p) => n + (p.end_offset - p.start_offset), 0);
  printFields([
    ["topic", out.bold(t.name)],
    ["partitions", String(t.partitions.length)],
    ["records", `${count(records)} (end offset − start offset, summed)`],
    ...(t.created_at ? [["created", new Date(t.created_at).toISOString()] as [string, unknown]] : []),
  ]);
  printLine();
  printTable(
    ["PARTITION", "START", "END", "BYTES", "OLDEST"],
    t.partitions.map((p) => [
      p.partition,
      p.start_offset,
      p.end_offset,
      p.bytes,
      p.oldest_timestamp ? new Date(p.oldest_timestamp).toISOString() : null,
    ]),
  );
  const config = Object.entries(t.config ?? {});
  if (config.length) {
    printLine();
    printTable(
      ["CONFIG", "VALUE"],
      config.map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
  }
}

export function registerTopic(program: Command): void {
  const topic = program.command("topic").description("create, list, describe, alter and delete topics");

  topic
    .command("create")
    .description("create a topic")
    .argument("<name>", "topic name")
    .option("-p, --partitions <n>", "number of partitions", integer(1), 1)
    .option("-c, --config <key=value>", "topic config, repeatable (e.g. retention.ms=604800000, cleanup.policy=compact)", keyValue)
    .addHelpText("after", "\nExample:\n  edgebroker topic create orders --partitions 3 --config retention.ms=604800000")
    .action(async (name: string, opts: { partitions: number; config?: Record<string, string> }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const created = await new Admin(clientOptions(ctx)).createTopic({
        name,
        partitions: opts.partitions,
        config: configValues(opts.config),
      });
      if (ctx.json) printJson(created);
      else printLine(`created topic ${out.bold(name)} with ${opts.partitions} partition${opts.partitions === 1 ? "" : "s"}`);
    });

  topic
    .command("list")
    .alias("ls")
    .description("list the topics (a key sees those its grants name)")
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const topics = await new Admin(clientOptions(ctx)).listTopics();
      if (ctx.json) printJson({ topics });
      else if (topics.length === 0) process.stderr.write("no topics\n");
      else
        printTable(
          ["TOPIC", "PARTITIONS"],
          topics.map((t) => [t.name, t.partitions]),
        );
    });

  topic
    .command("describe")
    .description("partitions with their offsets and sizes, and the effective config")
    .argument("<name>", "topic name")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const t = await new Admin(clientOptions(ctx)).describeTopic(name);
      if (ctx.json) printJson(t);
      else printTopic(t);
    });

  topic
    .command("alter")
    .description("change a topic's config")
    .argument("<name>", "topic name")
    .requiredOption("-c, --config <key=value>", "config to set, repeatable (e.g. retention.ms=3600000)", keyValue)
    .action(async (name: string, opts: { config: Record<string, string> }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const t = await new Admin(clientOptions(ctx)).alterTopicConfig(name, configValues(opts.config)!);
      if (ctx.json) printJson(t);
      else printLine(`updated ${Object.keys(opts.config).join(", ")} of topic ${out.bold(name)}`);
    });

  topic
    .command("delete")
    .description("delete a topic and all its records")
    .argument("<name>", "topic name")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      await new Admin(clientOptions(ctx)).deleteTopic(name);
      if (ctx.json) printJson({ deleted: name });
      else printLine(`deleted topic ${out.bold(name)}`);
    });
}
