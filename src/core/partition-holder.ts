// A partition object's log, as the object classes hold it (src/worker/partition-object.ts, the
// standalone hosts' src/runtime/objects.ts): opened lazily, and given up entirely when its topic is
// deleted. Dropping a partition deletes all of the object's storage (ctx.storage.deleteAll(); the
// file itself on the standalone hosts), so a deleted topic gives its space back; the log reopens
// (empty) at the next call of a newer incarnation. The dropped epoch is kept in memory so that a
// straggler of the deleted incarnation gets topic_not_found instead of recreating storage.
//
// A drop succeeds on a full disk too: writing the drop marker may fail with SQLITE_FULL, but
// deleting the storage needs no space, and frees it.
import { fail, storageFull, type Failure } from "./errors.ts";
import type { PartitionAddress } from "./partition-types.ts";
import type { PartitionLog } from "./partition-log.ts";

export class PartitionHolder {
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
    this.dropped = addr.epoch;
    this.log = undefined;
    await this.deleteAll();
    return { ok: true };
  }
}
