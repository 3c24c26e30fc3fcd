// Producer ids and epochs, allocated by the cluster object (Kafka's InitProducerId). A named
// producer (a device's stable name) keeps its id across restarts and gets the next epoch each time
// it initializes, which fences its previous incarnation on every partition it writes to next.
import { PRODUCERS_TABLE } from "./schema.ts";
import { fail, type Failure } from "../errors.ts";
import type { StoragePort } from "../storage-port.ts";

/** Producer epochs are int16 in RecordBatch v2; past this a named producer gets a fresh id. */
const MAX_EPOCH = 32_767;
const MAX_NAME_LENGTH = 249;

export type ProducerIdResult = { ok: true; producer_id: number; producer_epoch: number } | Failure;

export class ProducerRegistry {
  private readonly storage: StoragePort;

  constructor(storage: StoragePort) {
    this.storage = storage;
    storage.sql.exec(PRODUCERS_TABLE);
  }

  init(name: unknown): ProducerIdResult {
    if (name !== undefined && name !== null && (typeof name !== "string" || name.length === 0 || name.length > MAX_NAME_LENGTH)) {
      return fail("bad_request", `name: expected a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
    }
    return this.storage.transactionSync(() => {
      const sql = this.storage.sql;
      if (typeof name === "string") {
        const row = sql
          .exec<{ producer_id: number; epoch: number }>("SELECT producer_id, epoch FROM producers WHERE name = ?", name)
          .toArray()[0];
        if (row && row.epoch < MAX_EPOCH) {
          sql.exec("UPDATE producers SET epoch = ? WHERE producer_id = ?", row.epoch + 1, row.producer_id);
          return { ok: true as const, producer_id: row.producer_id, producer_epoch: row.epoch + 1 };
        }
        // Epochs exhausted: the name moves to a new id, as Kafka does, and starts again at 0.
        if (row) sql.exec("UPDATE producers SET name = NULL WHERE producer_id = ?", row.producer_id);
      }
      const id = sql
        .exec<{ producer_id: number }>(
          "INSERT INTO producers (name, epoch) VALUES (?, 0) RETURNING producer_id",
          typeof name === "string" ? name : null,
        )
        .one().producer_id;
      return { ok: true as const, producer_id: id, producer_epoch: 0 };
    });
  }
}
