// The subscriptions object's class on every host (one object, named SUBSCRIPTIONS_NAME; made a
// Durable Object by src/worker/subscriptions-object.ts, served as is by src/runtime/objects.ts):
// every Durable Streams subscription of the broker and the webhook signing key
// (docs/ARCHITECTURE.md, Durable Streams).
//
// Subscriptions used to live in a partition object (SUBSCRIPTIONS_OBJECT, "__ds_subscriptions/0").
// A deployment that has data there moves it here on this object's first call: it asks the old
// object for its rows (`export`), stores them and notes `legacy = imported` in one transaction,
// then has the old object `retire` its tables (its whole storage when it never held a topic: see
// PartitionService.ds) and notes `legacy = done`. A crash
// between the steps repeats only what is left: the import is not repeated once noted, retiring
// is idempotent. Calls wait for the import, so none sees an empty object that is about to fill.
import type { PartitionApi } from "../log/partition-types.ts";
import type { Serves } from "../object-api.ts";
import type { StoragePort } from "../storage-port.ts";
import { DS_SUBSCRIPTION_META_TABLE } from "./schema.ts";
import { DsSubscriptions, type SubCall, type SubResult } from "./subscriptions.ts";

/** The subscriptions object's name (one per broker). */
export const SUBSCRIPTIONS_NAME = "subscriptions";

export interface SubscriptionApi {
  /** One subscription operation (PROTOCOL.md 6-7; the calls of SubCall). */
  handle(call: SubCall): Promise<SubResult>;
}

type LegacyState = "imported" | "done";

export class SubscriptionService implements Serves<SubscriptionApi> {
  private readonly storage: StoragePort;
  private readonly subs: DsSubscriptions;
  /** The partition object subscriptions lived in before; undefined: nothing to move (tests, new hosts). */
  private readonly legacy: (() => PartitionApi) | undefined;
  private moving: Promise<void> | undefined;

  constructor(storage: StoragePort, legacy?: () => PartitionApi, now: () => number = Date.now) {
    this.storage = storage;
    this.legacy = legacy;
    storage.sql.exec(DS_SUBSCRIPTION_META_TABLE);
    this.subs = new DsSubscriptions(storage, now);
  }

  async handle(call: SubCall): Promise<SubResult> {
    if (this.legacy && this.state() !== "done") {
      // One move at a time; a failed one (the old object unreachable) is tried again by the next call.
      this.moving ??= this.move(this.legacy).finally(() => {
        this.moving = undefined;
      });
      await this.moving;
    }
    return this.subs.handle(call);
  }

  private state(): LegacyState | undefined {
    const row = this.storage.sql.exec<{ value: string }>("SELECT value FROM ds_subscription_meta WHERE key = 'legacy'").toArray()[0];
    return row?.value as LegacyState | undefined;
  }

  private setState(value: LegacyState): void {
    this.storage.sql.exec("INSERT OR REPLACE INTO ds_subscription_meta (key, value) VALUES ('legacy', ?)", value);
  }

  private async move(legacy: () => PartitionApi): Promise<void> {
    if (this.state() === undefined) {
      const answer = (await legacy().ds({ op: "sub", call: { action: "export" } })) as SubResult;
      if (!answer.ok || !answer.exported)
        throw new Error(`the old subscriptions object did not export its rows: ${JSON.stringify(answer)}`);
      const rows = answer.exported;
      this.storage.transactionSync(() => {
        this.subs.importRows(rows);
        this.setState("imported");
      });
    }
    if (this.state() === "imported") {
      const retired = (await legacy().ds({ op: "sub", call: { action: "retire" } })) as SubResult;
      if (!retired.ok) throw new Error(`the old subscriptions object did not retire its tables: ${JSON.stringify(retired)}`);
      this.setState("done");
    }
  }
}
