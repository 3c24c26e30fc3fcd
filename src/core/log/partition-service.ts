// The partition object's class on every host (made a Durable Object by src/worker/partition-object.ts,
// served as is by src/runtime/objects.ts): its RPC methods are PartitionApi's, each on the log,
// which is opened lazily and given up entirely when its topic is deleted. Dropping a partition deletes all of the object's storage (ctx.storage.deleteAll(); the
// file itself on the standalone hosts), so a deleted topic gives its space back; the log reopens
// (empty) at the next call of a newer incarnation. The dropped epoch is kept in memory so that a
// straggler of the deleted incarnation gets topic_not_found instead of recreating storage.
//
// A drop succeeds on a full disk too: writing the drop marker may fail with SQLITE_FULL, but
// deleting the storage needs no space, and frees it.
import { fail, storageFull, type Failure } from "../errors.ts";
import type { Serves } from "../object-api.ts";
import type { DsRequest, DsResult } from "../streams/types.ts";
import type { SubResult } from "../streams/subscriptions.ts";
import type { TopicConfig } from "../topics/config.ts";
import type {
  AppendRequest,
  AppendResult,
  MarkerRequest,
  MarkerResult,
  PartitionAddress,
  PartitionApi,
  ReadRequest,
  ReadResult,
  StatsResult,
} from "./partition-types.ts";
import type { PartitionLog } from "./partition-log.ts";

export class PartitionService implements Serves<PartitionApi> {
  private log: PartitionLog | undefined;
  private dropped = 0;
  private readonly open: () => PartitionLog;
  private readonly deleteAll: () => Promise<void> | void;

  constructor(open: () => PartitionLog, deleteAll: () => Promise<void> | void) {
    this.open = open;
    this.deleteAll = deleteAll;
  }

  /** The log for a call of `addr`'s incarnation, or topic_not_found for a dropped one. */
  get(addr?: PartitionAddress): PartitionLog | Failure {
    if (addr && addr.epoch <= this.dropped) return fail("topic_not_found", `topic "${addr.topic}" does not exist`);
    return (this.log ??= this.open());
  }

  /** The log if it is open (alarms, sockets); never opens one for a dropped partition. */
  current(): PartitionLog | undefined {
    return this.log;
  }

  append(req: AppendRequest): Promise<AppendResult> {
    const log = this.get(req);
    return "ok" in log ? Promise.resolve(log) : log.append(req);
  }

  read(req: ReadRequest): Promise<ReadResult> {
    const log = this.get(req);
    return "ok" in log ? Promise.resolve(log) : log.read(req);
  }

  /** A transaction marker; a dropped partition answers topic_not_found (its transaction data went with it). */
  writeMarker(req: MarkerRequest): Promise<MarkerResult> {
    const log = this.get(req);
    return "ok" in log ? Promise.resolve(log) : log.writeMarker(req);
  }

  stats(addr: PartitionAddress): StatsResult {
    const log = this.get(addr);
    return "ok" in log ? log : log.stats(addr);
  }

  configure(addr: PartitionAddress, config: TopicConfig, revision?: number): { ok: true } | Failure {
    const log = this.get(addr);
    return "ok" in log ? log : log.configure(addr, config, revision);
  }

  deleteRecords(addr: PartitionAddress, before: number): { ok: true; start_offset: number } | Failure {
    const log = this.get(addr);
    return "ok" in log ? log : log.deleteRecords(addr, before);
  }

  offsetForTimestamp(addr: PartitionAddress, timestamp: number): Promise<{ ok: true; offset: number; timestamp: number | null } | Failure> {
    const log = this.get(addr);
    return "ok" in log ? Promise.resolve(log) : log.offsetForTimestamp(addr, timestamp);
  }

  async ds(req: DsRequest): Promise<DsResult | SubResult> {
    // The partition object subscriptions lived in before (SUBSCRIPTIONS_OBJECT) gives them up
    // (core/streams/subscription-service.ts): all its storage when no topic ever used it (only a
    // call with a topic epoch makes an incarnation), else only the subscription tables.
    if (req.op === "sub" && req.call.action === "retire") {
      const log = this.get();
      if ("ok" in log) return log as unknown as DsResult;
      if (log.incarnation === 0) {
        this.log = undefined;
        await this.deleteAll();
        return { ok: true };
      }
    }
    // Subscription calls address no incarnation; stream calls carry their topic's epoch.
    const addr = "epoch" in req && typeof req.epoch === "number" && "topic" in req ? (req as unknown as PartitionAddress) : undefined;
    const log = this.get(addr);
    return "ok" in log ? Promise.resolve(log as unknown as DsResult) : log.ds(req);
  }

  /**
   * Background maintenance (PartitionLog.maintain, tiered uploads and sweeps). An alarm may be the
   * first thing that reaches the object — on a standalone host, a persisted alarm fires as soon as
   * the host restarts — so it opens the log: were it ignored until a call came, retention and the
   * upload backlog of a partition nobody calls would wait indefinitely. A partition dropped in this
   * process has no maintenance (its storage, alarm included, is gone).
   */
  async alarm(): Promise<void> {
    const log = this.log ?? (this.dropped > 0 ? undefined : this.get());
    if (log && !("ok" in log)) await log.alarm();
  }

  async drop(addr: PartitionAddress): Promise<{ ok: true }> {
    if (addr.epoch <= this.dropped) return { ok: true };
    const log = this.get();
    if ("ok" in log) return { ok: true };
    try {
      log.drop(addr);
    } catch (err) {
      if (!storageFull(err)) throw err;
    }
    // A drop for an older incarnation than the log's current one leaves the newer data alone.
    if (log.incarnation > addr.epoch) return { ok: true };
    await log.purgeRemote(addr);
    // While the remote objects went, a second drop of this incarnation may have come (the first
    // one finishes it) or a call of a newer incarnation may have adopted the log: deleting the
    // storage then would destroy that incarnation's new data (seen as Durable Streams re-created
    // at an expired path hanging: the HEAD that finds a stream expired and the PUT that re-creates
    // it both drop the old incarnation).
    if (addr.epoch <= this.dropped || this.log !== log || log.incarnation > addr.epoch) return { ok: true };
    this.dropped = addr.epoch;
    this.log = undefined;
    await this.deleteAll();
    return { ok: true };
  }
}
