// The topic config revision (registry.ts, schema.ts) on real SQLite: 0 at creation, one more on
// every config change (also one that sets the same values), and 0 for topics stored before the
// column existed, after the migration.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStorage, type SqliteStorage } from "../../runtime/sqlite-port.ts";
import { openNodeDatabase } from "../../runtime/sqlite-node.ts";
import { TopicRegistry } from "./registry.ts";

const LIMITS = { maxPartitions: 16, maxTopics: 16 };
let dir: string;
let store: SqliteStorage;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "eb-registry-"));
  store = openStorage(openNodeDatabase, join(dir, "cluster.sqlite"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("topic config revision", () => {
  it("starts at 0 and counts every config change, durably", () => {
    const registry = new TopicRegistry(store, LIMITS);
    expect(registry.create({ name: "a", partitions: 1, config: { "retention.ms": 1_000 } })).toMatchObject({
      topic: { config_revision: 0 },
    });
    expect(registry.updateConfig("a", { "retention.ms": 2_000 })).toMatchObject({ topic: { config_revision: 1 } });
    expect(registry.updateConfig("a", { "retention.ms": 2_000 })).toMatchObject({ topic: { config_revision: 2 } });
    expect(registry.updateConfig("a", { "retention.ms": "x" })).toMatchObject({ ok: false, error: { code: "invalid_config" } });
    store.close();
    store = openStorage(openNodeDatabase, join(dir, "cluster.sqlite"));
    expect(new TopicRegistry(store, LIMITS).describe("a")).toMatchObject({
      topic: { config: { "retention.ms": 2_000 }, config_revision: 2 },
    });
  });

  it("gives topics stored before the column existed revision 0", () => {
    store.sql.exec(`CREATE TABLE topics (name TEXT PRIMARY KEY, partitions INTEGER NOT NULL, epoch INTEGER NOT NULL,
      config TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    store.sql.exec("INSERT INTO topics VALUES ('old', 2, 7, '{\"retention.ms\":5}', 1)");
    const registry = new TopicRegistry(store, LIMITS);
    expect(registry.describe("old")).toMatchObject({ topic: { epoch: 7, config: { "retention.ms": 5 }, config_revision: 0 } });
    expect(registry.updateConfig("old", { "retention.ms": 6 })).toMatchObject({ topic: { config_revision: 1 } });
    expect(registry.list()).toMatchObject([{ name: "old", config_revision: 1 }]);
  });
});
