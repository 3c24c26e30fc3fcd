// The list of consumer groups (GET /v1/groups). Durable Objects cannot be enumerated, so one
// object of the group class, named GROUP_REGISTRY_NAME (not a valid group name), keeps the names:
// the Worker registers a group on every join and offset reset (idempotent, so a registration lost
// to a crash is made good by the next join) and unregisters it when the group is deleted.
import { GROUP_REGISTRY_TABLE } from "./schema.ts";
import type { StoragePort } from "../storage-port.ts";

export class GroupRegistry {
  private readonly storage: StoragePort;
  private readonly now: () => number;

  constructor(storage: StoragePort, now: () => number = Date.now) {
    this.storage = storage;
    this.now = now;
    storage.sql.exec(GROUP_REGISTRY_TABLE);
  }

  register(group: string): { ok: true } {
    this.storage.sql.exec("INSERT OR IGNORE INTO group_registry (name, created_at) VALUES (?, ?)", group, this.now());
    return { ok: true };
  }

  unregister(group: string): { ok: true } {
    this.storage.sql.exec("DELETE FROM group_registry WHERE name = ?", group);
    return { ok: true };
  }

  list(): Array<{ group: string; created_at: number }> {
    return this.storage.sql
      .exec<{ name: string; created_at: number }>("SELECT name, created_at FROM group_registry ORDER BY name")
      .toArray()
      .map((r) => ({ group: r.name, created_at: r.created_at }));
  }
}
