// Starts the broker and the ceiling worker in Miniflare driven directly through its Node API (no
// wrangler proxy), each with SQLite-backed Durable Objects persisted to a temporary directory.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";

export const BENCH_TOKEN = "bench-admin-token";
const COMPATIBILITY_DATE = "2026-07-01";

export interface Server {
  url: string;
  /** Where the Durable Objects' SQLite files are persisted (tests count them). */
  stateDir?: string;
  dispose(): Promise<void>;
}

/** Bundles the Worker exactly as `wrangler deploy` would, so the benchmark runs the shipped code. */
function bundleBroker(outdir: string): string {
  execFileSync("wrangler", ["deploy", "--dry-run", "--outdir", outdir], {
    stdio: "ignore",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (!readdirSync(outdir).includes("index.js")) throw new Error(`wrangler produced no index.js in ${outdir}`);
  return join(outdir, "index.js");
}

async function start(options: ConstructorParameters<typeof Miniflare>[0], dir: string): Promise<Server> {
  const mf = new Miniflare(options);
  const url = (await mf.ready).toString().replace(/\/$/, "");
  return {
    url,
    stateDir: join(dir, "state"),
    async dispose() {
      await mf.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `bindings`: extra Worker vars, e.g. EDGEBROKER_ANONYMOUS_GRANTS for the Durable Streams suite;
 * `port`: listen there (known in advance, e.g. for EDGEBROKER_PUBLIC_URL) instead of a random port.
 */
export async function startBroker(
  bindings: Record<string, string> = {},
  port?: number,
  /** More Miniflare options, e.g. `inspectorPort` for a CPU profile (bench/workerd-single.ts). */
  extra: Partial<ConstructorParameters<typeof Miniflare>[0]> = {},
): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), "edgebroker-bench-"));
  const script = bundleBroker(join(dir, "bundle"));
  return start(
    {
      modules: true,
      scriptPath: script,
      ...(port === undefined ? {} : { host: "127.0.0.1", port }),
      // Module names are paths relative to this root; the bundle lives outside the project.
      modulesRoot: join(dir, "bundle"),
      modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
      compatibilityDate: COMPATIBILITY_DATE,
      durableObjects: {
        PARTITION: { className: "PartitionObject", useSQLite: true },
        CLUSTER: { className: "ClusterObject", useSQLite: true },
        GROUP: { className: "GroupObject", useSQLite: true },
        KEY: { className: "KeyObject", useSQLite: true },
        TXN: { className: "TxnObject", useSQLite: true },
        METRICS: { className: "MetricsObject", useSQLite: true },
        CONNECTOR: { className: "ConnectorObject", useSQLite: true },
        SUBSCRIPTIONS: { className: "SubscriptionsObject", useSQLite: true },
      },
      durableObjectsPersist: join(dir, "state"),
      // Tiered storage's bucket (wrangler.toml): only topics with remote.storage.enable use it.
      r2Buckets: ["TIERED"],
      r2Persist: join(dir, "r2"),
      bindings: { EDGEBROKER_ADMIN_TOKEN: BENCH_TOKEN, ...bindings },
      ...extra,
    } as ConstructorParameters<typeof Miniflare>[0],
    dir,
  );
}

export async function startCeiling(extra: Partial<ConstructorParameters<typeof Miniflare>[0]> = {}): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), "edgebroker-ceiling-"));
  return start(
    {
      modules: true,
      scriptPath: new URL("../ceiling-worker.js", import.meta.url).pathname,
      compatibilityDate: COMPATIBILITY_DATE,
      durableObjects: { CEILING: { className: "Ceiling", useSQLite: true } },
      durableObjectsPersist: join(dir, "state"),
      ...extra,
    } as ConstructorParameters<typeof Miniflare>[0],
    dir,
  );
}
