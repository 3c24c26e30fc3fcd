// `edgebroker group list|describe|reset|delete` — consumer groups: members, committed offsets and
// lag; moving a group's offsets (kafka-consumer-groups --reset-offsets).
import { Option, type Command } from "commander";
import { Admin, type ResetOffsetResult, type ResetOffsetsRequest } from "../../client/index.ts";
import { CliFailure, UsageError } from "../exit-codes.ts";
import { clientOptions, contextOf, integer, oneOf, timestamp } from "../context.ts";
import { note, out, printFields, printJson, printLine, printTable } from "../output.ts";

interface GroupOffset {
  topic: string;
  partition: number;
  offset: number;
  high_watermark?: number | null;
  lag?: number | null;
}

interface GroupView {
  group: string;
  state?: string;
  group_epoch?: number;
  assignor?: string;
  members: Array<{ member_id: string; member_epoch?: number; assignment?: Array<{ topic: string; partitions: number[] }> }>;
  offsets: GroupOffset[];
}

function printGroup(g: GroupView): void {
  printFields([
    ["group", out.bold(g.group)],
    ["state", g.state ?? "-"],
    ["members", String(g.members.length)],
    ...(g.assignor ? [["assignor", g.assignor] as [string, unknown]] : []),
  ]);
  if (g.members.length) {
    printLine();
    printTable(
      ["MEMBER", "EPOCH", "ASSIGNMENT"],
      g.members.map((m) => [
        m.member_id,
        m.member_epoch,
        (m.assignment ?? []).map((a) => `${a.topic}[${a.partitions.join(",")}]`).join(" "),
      ]),
    );
  }
  printLine();
  if (g.offsets.length === 0) return printLine("no committed offsets");
  printTable(
    ["TOPIC", "PARTITION", "COMMITTED", "END", "LAG"],
    g.offsets.map((o) => [o.topic, o.partition, o.offset, o.high_watermark, o.lag]),
  );
}

interface ResetOptions {
  topic: string[];
  to?: "earliest" | "latest";
  toTimestamp?: number;
  toOffset?: number;
  partition?: number;
  force?: boolean;
  execute?: boolean;
  dryRun?: boolean;
}

/** The broker's refusals of a reset, told in CLI flags rather than API fields. */
async function resetOrExplain(admin: Admin, group: string, req: ResetOffsetsRequest) {
  try {
    return await admin.resetOffsets(group, req);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const status = (e as { status?: number }).status ?? 0;
    if (code === "group_not_empty") {
      const members = (e as { details?: { members?: number } }).details?.members ?? "some";
      throw new CliFailure(
        "group_not_empty",
        `group "${group}" has ${members} active member(s); stop them first, or add --force (they then restart from the new offsets)`,
        status,
      );
    }
    if (code === "group_not_found") {
      throw new CliFailure(
        "group_not_found",
        `group "${group}" does not exist; a reset moves the offsets of an existing group (\`edgebroker group list\` shows them)`,
        status,
      );
    }
    throw e;
  }
}

function clampNote(o: ResetOffsetResult): string {
  if (o.clamped === "log_end") return `asked ${o.requested_offset}, past the log end ${o.log_end_offset}`;
  if (o.clamped === "log_start") return `asked ${o.requested_offset}, before the log start ${o.log_start_offset}`;
  return "";
}

export function registerGroup(program: Command): void {
  const group = program.command("group").description("list, describe, reset and delete consumer groups");

  group
    .command("list")
    .alias("ls")
    .description("list consumer groups")
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const groups = await new Admin(clientOptions(ctx)).listGroups();
      if (ctx.json) return printJson({ groups });
      if (groups.length === 0) return note("no groups");
      printTable(
        ["GROUP", "CREATED"],
        groups.map((g) => [g.group, g.created_at ? new Date(g.created_at).toISOString() : null]),
      );
    });

  group
    .command("describe")
    .description("members, assignments, committed offsets and lag")
    .argument("<group>", "group name")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const g = await new Admin(clientOptions(ctx)).describeGroup(name);
      if (ctx.json) printJson(g);
      else printGroup(g);
    });

  group
    .command("reset")
    .description("move a group's committed offsets: shows the plan, --execute applies it (as kafka-consumer-groups --reset-offsets)")
    .argument("<group>", "group name (an existing group)")
    .requiredOption("-t, --topic <topic>", "topic whose offsets move, repeatable", (v: string, prev: string[] | undefined) => [
      ...(prev ?? []),
      v,
    ])
    .addOption(
      new Option("--to <where>", "earliest or latest")
        .argParser(oneOf(["earliest", "latest"] as const))
        .conflicts(["toTimestamp", "toOffset"]),
    )
    .addOption(
      new Option("--to-timestamp <time>", "the first offset at or after this time (ms or ISO 8601)")
        .argParser(timestamp)
        .conflicts("toOffset"),
    )
    .option(
      "--to-offset <offset>",
      "this offset, clamped to each partition's log start and end (with --partition: that partition only; else every partition)",
      integer(0),
    )
    .option("-p, --partition <n>", "with --to-offset: the one partition to move", integer(0))
    .addOption(new Option("--execute", "apply the reset (without it nothing changes: the plan is shown)").conflicts("dryRun"))
    .option("--dry-run", "show the new offsets without applying them (the default)")
    .option("--force", "with --execute: reset even while members are active (they restart from the new offsets)")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  edgebroker group reset billing --topic payments --to earliest            # the plan\n" +
        "  edgebroker group reset billing --topic payments --to earliest --execute  # apply it\n" +
        "  edgebroker group reset billing --topic payments --to-offset 42 --partition 0 --execute",
    )
    .action(async (name: string, opts: ResetOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      const admin = new Admin(clientOptions(ctx));
      if (opts.to === undefined && opts.toTimestamp === undefined && opts.toOffset === undefined) {
        throw new UsageError("say where to: --to earliest|latest, --to-timestamp <time> or --to-offset <offset>");
      }
      if (opts.partition !== undefined && opts.toOffset === undefined) throw new UsageError("--partition goes with --to-offset");
      const flags = { force: opts.force === true, dry_run: opts.execute !== true };
      let result;
      if (opts.toOffset !== undefined) {
        const offsets: Array<{ topic: string; partition: number; offset: number }> = [];
        for (const topic of opts.topic) {
          const partitions =
            opts.partition !== undefined ? [opts.partition] : (await admin.describeTopic(topic)).partitions.map((p) => p.partition);
          for (const partition of partitions) offsets.push({ topic, partition, offset: opts.toOffset });
        }
        result = await resetOrExplain(admin, name, { offsets, ...flags });
      } else {
        const to = opts.toTimestamp !== undefined ? { timestamp: opts.toTimestamp } : opts.to!;
        result = await resetOrExplain(admin, name, { topics: opts.topic, to, ...flags });
      }
      if (ctx.json) return printJson({ group: name, dry_run: result.dry_run, offsets: result.offsets });
      printTable(
        ["TOPIC", "PARTITION", "CURRENT", "NEW", "NOTE"],
        result.offsets.map((o) => [o.topic, o.partition, o.previous_offset, o.offset, clampNote(o)]),
      );
      note(
        result.dry_run ? "dry run: nothing changed; add --execute to apply these offsets" : `reset the offsets of group ${out.bold(name)}`,
      );
    });

  group
    .command("delete")
    .description("delete a group with no active members (its committed offsets go with it)")
    .argument("<group>", "group name")
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      await new Admin(clientOptions(ctx)).deleteGroup(name);
      if (ctx.json) printJson({ deleted: name });
      else printLine(`deleted group ${out.bold(name)}`);
    });
}
