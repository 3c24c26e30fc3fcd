// Persisted alarms for the actor host: one row per object with an alarm set, in the host's own
// database (<data dir>/host.sqlite), so that alarms survive restarts and the host can re-arm
// every one of them at start without opening each object's database. Like a Durable Object's
// alarm, there is at most one per object; setting it again replaces the time.
import type { StoragePort } from "../core/storage-port.ts";

export interface AlarmRow extends Record<string, string | number> {
  kind: string;
  name: string;
  time: number;
}

export class AlarmStore {
  private readonly storage: StoragePort;

  constructor(storage: StoragePort) {
    this.storage = storage;
    storage.sql.exec(`CREATE TABLE IF NOT EXISTS alarms (
      kind TEXT NOT NULL, name TEXT NOT NULL, time INTEGER NOT NULL, PRIMARY KEY (kind, name))`);
  }

  list(): AlarmRow[] {
    return this.storage.sql.exec<AlarmRow>("SELECT kind, name, time FROM alarms ORDER BY time").toArray();
  }

  get(kind: string, name: string): number | null {
    return this.storage.sql.exec<AlarmRow>("SELECT time FROM alarms WHERE kind = ? AND name = ?", kind, name).toArray()[0]?.time ?? null;
  }

  set(kind: string, name: string, time: number): void {
    this.storage.sql.exec("INSERT OR REPLACE INTO alarms (kind, name, time) VALUES (?, ?, ?)", kind, name, time);
  }

  /** Deletes the alarm; with `onlyIf`, only when it is still set to that time (not re-set meanwhile). */
  delete(kind: string, name: string, onlyIf?: number): void {
    if (onlyIf === undefined) this.storage.sql.exec("DELETE FROM alarms WHERE kind = ? AND name = ?", kind, name);
    else this.storage.sql.exec("DELETE FROM alarms WHERE kind = ? AND name = ? AND time = ?", kind, name, onlyIf);
  }
}
