// wrangler.toml deploys in one step and upgrades without losing data (docs/operations.md):
// `wrangler deploy --dry-run` (no network, no account) bundles the Worker with every binding, and
// the Durable Object declarations keep what a deployed broker already has.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { ROOT } from "./doc-blocks.ts";

/**
 * The migration tags deployments already carry, in the order wrangler.toml has always listed
 * them. wrangler uploads the migrations that follow a deployment's last applied tag in this list,
 * so a published tag must never move, be renamed or be removed; new ones go after them.
 */
const PUBLISHED_TAGS = ["v1", "v3", "v2", "v4", "v5"];

const config = unstable_readConfig({ config: join(ROOT, "wrangler.toml") });

interface Migration {
  tag: string;
  new_sqlite_classes?: string[];
  new_classes?: string[];
  deleted_classes?: string[];
}
const migrations = config.migrations as Migration[];

describe("wrangler.toml", () => {
  const outdir = mkdtempSync(join(tmpdir(), "edgebroker-dry-run-"));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("passes `wrangler deploy --dry-run` with every Durable Object binding and the console's assets", async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js"), "deploy", "--dry-run", "--outdir", outdir],
      { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" } },
    );
    const output = stdout + stderr;
    expect(output).toContain("--dry-run: exiting now.");
    for (const binding of config.durable_objects.bindings) {
      expect(output).toContain(`env.${binding.name} (${binding.class_name})`);
    }
    expect(output).toMatch(/env\.ASSETS\s+Assets/);
    expect(existsSync(join(outdir, "index.js"))).toBe(true);
  }, 120_000);

  it("has observability on, with a head sampling rate", () => {
    expect(config.observability?.enabled).toBe(true);
    const rate = config.observability?.head_sampling_rate;
    expect(rate).toBeGreaterThan(0);
    expect(rate).toBeLessThanOrEqual(1);
  });

  it("declares every Durable Object class once, as a SQLite class, in a migration after the published ones", () => {
    const tags = migrations.map((m) => m.tag);
    expect(tags.slice(0, PUBLISHED_TAGS.length), "published migration tags must keep their order").toEqual(PUBLISHED_TAGS);
    expect(new Set(tags).size, "migration tags are unique").toBe(tags.length);
    const declared = migrations.flatMap((m) => m.new_sqlite_classes ?? []);
    // Key-value backed classes cannot become SQLite ones later; every class here is SQLite.
    expect(migrations.flatMap((m) => m.new_classes ?? [])).toEqual([]);
    expect(new Set(declared).size, "a class is created by one migration only").toBe(declared.length);
    const worker = readFileSync(config.main ?? join(ROOT, "src/worker/index.ts"), "utf8");
    for (const { class_name } of config.durable_objects.bindings) {
      expect(declared, `${class_name} has a new_sqlite_classes migration`).toContain(class_name);
      expect(worker, `${config.main} exports ${class_name}`).toMatch(new RegExp(`export\\s[^;]*\\b${class_name}\\b`));
    }
    // Deleting or renaming a class deletes or moves stored partitions: not without a doc and a test.
    expect(migrations.flatMap((m) => m.deleted_classes ?? [])).toEqual([]);
  });
});
