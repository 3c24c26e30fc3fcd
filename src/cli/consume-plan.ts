// Where `consume` starts in each partition and where it may stop. The stop line is the end
// offsets when the command started: reading up to them means "caught up", which is when a
// consume without --follow ends — the way `kcat -e` ends at the end of the partitions.
import type { Admin } from "../client/index.ts";
import { CliFailure, UsageError } from "./exit-codes.ts";

export interface Plan {
  /** Explicit start positions (--offset, --timestamp); the rest follow auto_offset_reset. */
  seeks: Array<{ partition: number; offset: number }>;
  caughtUp(): boolean;
  /** True when caughtUp() may never become true: a compacted topic, or a group shared with others. */
  mayStall: boolean;
  /** A record was printed. */
  advance(partition: number, offset: number): void;
}

interface StartOptions {
  fromBeginning?: boolean;
  offset?: number;
  partition?: number;
  timestamp?: number;
  group?: string;
}

async function committedOffsets(admin: Admin, group: string, topic: string): Promise<Map<number, number>> {
  try {
    const g = await admin.describeGroup(group);
    return new Map((g.offsets ?? []).filter((o) => o.topic === topic).map((o) => [o.partition, o.offset]));
  } catch (e) {
    // A group that does not exist yet has no commits; anything else is worth reporting.
    if ((e as { status?: number }).status === 404) return new Map();
    throw e;
  }
}

export async function planPositions(admin: Admin, topic: string, opts: StartOptions): Promise<Plan> {
  const described = await admin.describeTopic(topic);
  let partitions = described.partitions;
  if (opts.partition !== undefined) {
    if (opts.partition >= partitions.length) {
      throw new UsageError(`topic "${topic}" has partitions 0 to ${partitions.length - 1}; partition ${opts.partition} does not exist`);
    }
    partitions = partitions.filter((p) => p.partition === opts.partition);
  }
  const position = new Map<number, number>();
  const target = new Map<number, number>(partitions.map((p) => [p.partition, p.end_offset]));
  const seeks: Plan["seeks"] = [];
  if (opts.offset !== undefined) {
    // An offset outside the log would read nothing (and --follow would wait silently for a
    // record that may never come): refused with the valid range, as the fetch route does.
    const p = partitions[0]!;
    if (opts.offset < p.start_offset || opts.offset > p.end_offset) {
      throw new CliFailure(
        "offset_out_of_range",
        `--offset ${opts.offset} is outside partition ${p.partition} of "${topic}", which holds offsets ${p.start_offset} to ${p.end_offset} ` +
          `(${p.end_offset} is where the next record will go); use --from-beginning, or an --offset in that range`,
        416,
      );
    }
    seeks.push({ partition: opts.partition!, offset: opts.offset });
    position.set(opts.partition!, opts.offset);
  } else if (opts.timestamp !== undefined) {
    for (const p of partitions) {
      const found = await admin.offsetForTimestamp(topic, p.partition, opts.timestamp);
      seeks.push({ partition: p.partition, offset: found.offset });
      position.set(p.partition, found.offset);
    }
  } else {
    const committed = opts.group === undefined ? new Map<number, number>() : await committedOffsets(admin, opts.group, topic);
    for (const p of partitions)
      position.set(p.partition, committed.get(p.partition) ?? (opts.fromBeginning ? p.start_offset : p.end_offset));
  }
  const compacted = String(described.config["cleanup.policy"] ?? "").includes("compact");
  return {
    seeks,
    mayStall: compacted || opts.group !== undefined,
    caughtUp: () => [...target].every(([p, end]) => (position.get(p) ?? 0) >= end),
    advance(partition, offset) {
      position.set(partition, Math.max(position.get(partition) ?? 0, offset + 1));
    },
  };
}
