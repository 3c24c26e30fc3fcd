// One Durable Object per partition, named "<topic>/<partition>". Thin: it owns the storage and
// hands every call to the portable PartitionLog.
import { DurableObject } from "cloudflare:workers";
import { PartitionLog } from "../core/partition-log.ts";
import type {
  AppendRequest, AppendResult, PartitionAddress, ReadRequest, ReadResult, StatsResult,
} from "../core/partition-types.ts";
import type { StoragePort } from "../core/storage-port.ts";
import type { Env } from "./env.ts";
import { loadLogCore } from "./log-core.ts";

export class PartitionObject extends DurableObject<Env> {
  private log!: PartitionLog;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      // ctx.storage is the StoragePort the core was shaped after (sql, transactionSync, sync).
      this.log = PartitionLog.open(ctx.storage as unknown as StoragePort, await loadLogCore());
    });
  }

  append(req: AppendRequest): Promise<AppendResult> {
    return this.log.append(req);
  }

  read(req: ReadRequest): Promise<ReadResult> {
    return this.log.read(req);
  }

  stats(addr: PartitionAddress): StatsResult {
    return this.log.stats(addr);
  }

  drop(addr: PartitionAddress): { ok: true } {
    return this.log.drop(addr);
  }
}
