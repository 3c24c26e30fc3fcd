// The list of API keys, kept by the cluster object for the admin API (`GET /v1/keys`): names,
// grants, quotas and dates — never secrets or hashes, which live only in each key's own object.
import { API_KEYS_TABLE } from "../topics/schema.ts";
import { fail, type Failure } from "../errors.ts";
import type { KeyInfo } from "./service.ts";
import type { StoragePort } from "../storage-port.ts";

export type KeyListing = KeyInfo;
export type KeyResult = { ok: true; key: KeyListing } | Failure;

interface Row extends Record<string, string | number | null> {
  id: string;
  name: string;
  grants: string;
  quotas: string;
  created_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
}

const toListing = (r: Row): KeyListing => ({
  id: r.id,
  name: r.name,
  grants: JSON.parse(r.grants),
  quotas: JSON.parse(r.quotas),
  created_at: r.created_at,
  rotated_at: r.rotated_at,
  revoked_at: r.revoked_at,
});

export class KeyRegistry {
  private readonly storage: StoragePort;

  constructor(storage: StoragePort) {
    this.storage = storage;
    storage.sql.exec(API_KEYS_TABLE);
  }

  register(key: KeyListing): { ok: true } {
    this.storage.sql.exec(
      "INSERT INTO api_keys (id, name, grants, quotas, created_at) VALUES (?, ?, ?, ?, ?)",
      key.id,
      key.name,
      JSON.stringify(key.grants),
      JSON.stringify(key.quotas),
      key.created_at,
    );
    return { ok: true };
  }

  list(): KeyListing[] {
    return this.storage.sql.exec<Row>("SELECT * FROM api_keys ORDER BY created_at, id").toArray().map(toListing);
  }

  get(id: string): KeyResult {
    const row = this.storage.sql.exec<Row>("SELECT * FROM api_keys WHERE id = ?", id).toArray()[0];
    return row ? { ok: true, key: toListing(row) } : fail("key_not_found", `key ${id} does not exist`);
  }

  mark(id: string, field: "rotated_at" | "revoked_at", at: number): KeyResult {
    const found = this.get(id);
    if (!found.ok) return found;
    this.storage.sql.exec(`UPDATE api_keys SET ${field} = ? WHERE id = ?`, at, id);
    return this.get(id);
  }
}
