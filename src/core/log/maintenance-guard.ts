// Background maintenance steps that read rows' bytes (compaction, merging) must not fail forever
// on one corrupt row (#14 item 12): a step that throws CorruptRowError is logged once, stored in
// partition_config ('maintenance_error', so it survives restarts and shows in stats) and skipped
// until the log start moves (retention or delete-records may have removed the bad row). Any other
// error is transient (storage, eviction) and is rethrown so the alarm is retried.
import { CorruptRowError } from "../errors.ts";
import type { StoragePort } from "../storage-port.ts";

export interface MaintenanceError {
  step: string;
  message: string;
  log_start_offset: number;
}

export class MaintenanceGuard {
  private readonly storage: StoragePort;
  private error: MaintenanceError | undefined;

  constructor(storage: StoragePort, stored: string | undefined) {
    this.storage = storage;
    this.error = stored === undefined ? undefined : (JSON.parse(stored) as MaintenanceError);
  }

  /** What stats show: the step that is being skipped and why. */
  get current(): { step: string; message: string } | undefined {
    return this.error && { step: this.error.step, message: this.error.message };
  }

  /** Forgets the error without touching storage (the caller deleted partition_config). */
  reset(): void {
    this.error = undefined;
  }

  run<T>(step: string, logStartOffset: number, skipped: T, fn: () => T): T {
    const stuck = this.error;
    if (stuck && stuck.step === step && stuck.log_start_offset === logStartOffset) return skipped;
    try {
      const result = fn();
      if (stuck?.step === step) this.set(undefined);
      return result;
    } catch (err) {
      if (!(err instanceof CorruptRowError)) throw err;
      console.error(`edgebroker: partition maintenance (${step}) failed; skipped until the log start moves: ${err.message}`);
      this.set({ step, message: err.message, log_start_offset: logStartOffset });
      return skipped;
    }
  }

  private set(error: MaintenanceError | undefined): void {
    if (error)
      this.storage.sql.exec("INSERT OR REPLACE INTO partition_config (key, value) VALUES ('maintenance_error', ?)", JSON.stringify(error));
    else this.storage.sql.exec("DELETE FROM partition_config WHERE key = 'maintenance_error'");
    this.error = error;
  }
}
