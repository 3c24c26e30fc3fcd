// The fetch half of a group poll: read every assigned partition in parallel (one partition object
// each), long-polling across all of them, then share the poll's record budget fairly.
//
// Long-poll: first every partition is read without waiting; if none has records and the poll may
// wait, every partition is read again with `waitMs` from the offsets just resolved, and the answer
// goes as soon as one read returns records (or when all of them time out). Reads still waiting
// then end by themselves at their deadline or at the next append; their results are dropped,
// which is harmless because positions only move for records actually handed out.
import { BrokerError } from "../../core/errors.ts";
import type { FetchTarget, OffsetReset } from "../../core/groups/types.ts";
import { EARLIEST, LATEST, type PartitionAddress, type PartitionApi } from "../../core/log/partition-types.ts";
import { batchesEnd } from "../../core/batch/record-batch.ts";
import type { Isolation } from "../../core/log/partition-types.ts";
import type { AppDeps } from "../deps.ts";
import type { TopicCache } from "../topics/topic-cache.ts";
import { ReadPage, readPage } from "./poll-page.ts";

export interface Fetched {
  topic: string;
  partition: number;
  /** The start the coordinator gave (the compare-and-set guard for `advance`). */
  from: number | null;
  /** The offset actually read from (reset policy and sentinels resolved). */
  offset: number;
  /** The records read, as offsets and sizes over the stored batches (poll-page.ts); page.count of them. */
  page: ReadPage;
  /** The offset after everything the read examined (markers and left-out aborted data included). */
  end: number;
  highWatermark: number;
  /** Set when the partition cannot be served (a corrupt stored batch): its records are withheld, the others are served. */
  error?: PartitionError;
}

/** A partition a poll could not read, reported by name in the answer (`partition_errors`) instead of failing the poll. */
export interface PartitionError {
  topic: string;
  partition: number;
  /** The position the member is at (nothing was delivered from it). */
  offset: number;
  code: string;
  message: string;
  /** The stored row's offset range that failed its checks, when the partition named it. */
  first_offset?: number;
  last_offset?: number;
}

export interface FetchLimits {
  maxRecords: number;
  maxBytes: number;
  waitMs: number;
  /** Kafka's isolation.level for every partition read. */
  isolation?: Isolation;
}

const MIN_PARTITION_BYTES = 64 * 1024;

/** Where a partition without a usable offset starts: Kafka's auto.offset.reset, or the first offset at a timestamp. */
async function resetOffset(api: PartitionApi, addr: PartitionAddress, reset: OffsetReset): Promise<number> {
  if (reset === "earliest") return EARLIEST;
  if (reset === "latest") return LATEST;
  const found = await api.offsetForTimestamp(addr, reset.timestamp);
  if (!found.ok) throw BrokerError.from(found);
  return found.offset;
}

async function readOne(
  deps: AppDeps,
  topics: TopicCache,
  target: FetchTarget,
  offset: number | null,
  reset: OffsetReset,
  limits: FetchLimits & { partitionBytes: number },
): Promise<Fetched | undefined> {
  const topic = await topics.get(target.topic).catch((err) => {
    if (err instanceof BrokerError && err.code === "topic_not_found") return undefined;
    throw err;
  });
  // A topic deleted (or shrunk) under the group: nothing to read; the subscription refresh of the
  // poll route takes it out of the assignment.
  if (!topic || target.partition >= topic.partitions) return undefined;
  const api = deps.partition(topic.name, target.partition);
  const addr = { topic: topic.name, partition: target.partition, epoch: topic.epoch };
  const isolation = limits.isolation === "read_committed" ? { isolation: limits.isolation } : {};
  const read = (from: number) =>
    api.read({
      ...addr,
      offset: from,
      maxBytes: limits.partitionBytes,
      maxRecords: limits.maxRecords,
      waitMs: limits.waitMs,
      ...isolation,
    });
  let result = await read(offset ?? (await resetOffset(api, addr, reset)));
  // The position fell out of the log (retention, delete-records) or past its end (the topic was
  // recreated): start again where the reset policy says, as Kafka's consumer does.
  if (!result.ok && result.error.code === "offset_out_of_range") result = await read(await resetOffset(api, addr, reset));
  const base = { topic: target.topic, partition: target.partition, from: target.start };
  if (!result.ok) {
    if (result.error.code === "topic_not_found") return undefined;
    // One corrupt partition must not block the member's others: report it, serve the rest.
    if (result.error.code === "corrupt_log" || result.error.code === "remote_storage_unavailable")
      return withheld(base, typeof result.error.offset === "number" ? result.error.offset : (offset ?? -1), result.error);
    throw BrokerError.from(result);
  }
  let page: ReadPage;
  let end: number;
  try {
    // The fetch route's walk (fetch-records.ts): it stops at the record after the last one it
    // keeps, so a malformed record past max_records in the same batch is reported by the read
    // that reaches it, as a fetch page does, not by this one.
    const read = readPage(result.batches, result.offset, limits.maxRecords);
    page = read.page;
    const { walked } = read;
    // Past the whole read unless the walk stopped early (maxRecords, or the decompression bound:
    // the batches past it are read next time, not skipped).
    end = walked.stopped
      ? walked.next
      : Math.max(walked.next, batchesEnd(result.batches, result.offset), result.nextOffset ?? result.offset);
  } catch (err) {
    return withheld(base, result.offset, {
      code: "corrupt_log",
      message: `stored batches from offset ${result.offset} cannot be decoded: ${(err as Error).message}`,
    });
  }
  return { ...base, offset: result.offset, page, end, highWatermark: result.highWatermark };
}

function withheld(
  base: Pick<Fetched, "topic" | "partition" | "from">,
  offset: number,
  error: { code: string; message: string; [k: string]: unknown },
): Fetched {
  const named: PartitionError = { topic: base.topic, partition: base.partition, offset, code: error.code, message: error.message };
  if (typeof error.first_offset === "number") named.first_offset = error.first_offset;
  if (typeof error.last_offset === "number") named.last_offset = error.last_offset;
  return { ...base, offset, page: new ReadPage(new Uint8Array(0), offset), end: offset, highWatermark: -1, error: named };
}

export async function fetchAssigned(
  deps: AppDeps,
  topics: TopicCache,
  targets: FetchTarget[],
  reset: OffsetReset,
  limits: FetchLimits,
): Promise<Fetched[]> {
  if (targets.length === 0) return [];
  const partitionBytes = Math.min(limits.maxBytes, Math.max(MIN_PARTITION_BYTES, Math.floor(limits.maxBytes / targets.length)));
  const first = await Promise.all(targets.map((t) => readOne(deps, topics, t, t.start, reset, { ...limits, partitionBytes, waitMs: 0 })));
  const live = first.filter((f): f is Fetched => f !== undefined);
  if (limits.waitMs === 0 || live.some((f) => f.page.count > 0)) return live;
  return new Promise((resolve) => {
    const results = [...live];
    let waiting = live.length;
    let done = false;
    live.forEach((f, i) => {
      const target = { topic: f.topic, partition: f.partition, start: f.from };
      readOne(deps, topics, target, f.offset, reset, { ...limits, partitionBytes })
        .then((again) => {
          if (again && !done) results[i] = again;
          if (again && again.page.count > 0 && !done) {
            done = true;
            resolve(results);
          }
        })
        .catch(() => undefined) // a failed wait leaves the first (empty) read's answer in place
        .finally(() => {
          if (--waiting === 0 && !done) {
            done = true;
            resolve(results);
          }
        });
    });
  });
}

/** Shares `max` records among partitions one at a time, so a busy partition cannot starve the others. */
export function shareBudget(fetched: Fetched[], max: number): number[] {
  const counts = fetched.map(() => 0);
  let remaining = max;
  let progress = true;
  while (remaining > 0 && progress) {
    progress = false;
    for (let i = 0; i < fetched.length && remaining > 0; i++) {
      if (counts[i]! < fetched[i]!.page.count) {
        counts[i]!++;
        remaining--;
        progress = true;
      }
    }
  }
  return counts;
}
