// `npm run bench:log-size`: does the cost of appending and reading grow with a partition's
// history? One partition is filled to each size in turn (default 10 MB, 100 MB, 1 GB; `--quick`:
// 1, 10, 100 MB; `--sizes=1000,10000,20000` in MB) with 1,000 × 100-byte record batches; at each
// size the same append, random-read and catch-up workloads run, and their rates and storage rows
// are printed beside the smallest size's figures (the ceiling of this run: the same broker with a
// small log).
//
// `--tiered` (docs/tiered-storage.md): the topic has remote.storage.enable and
// local.retention.bytes = `--local-mb` (default 256), so the partition grows past what it keeps
// locally — past one Durable Object's 10 GB with `--sizes=1000,10000,20000`. Before measuring at
// each size the bench waits for the uploads to catch up, and prints the local bytes beside the
// local retention. `--host=node` runs the Node standalone host (a directory store) instead of
// workerd (local R2).
//   node bench/log-size.ts --tiered --host=node --sizes=1000,10000,20000
//
// At each size: `--reads` (default 1,000) random-offset 1 MiB reads and a catch-up of half as
// many consecutive pages, `--repeat` (default 3) times, medians printed; beside them the disk bytes the machine read per byte answered
// (/proc/diskstats), which says whether the reads came from the page cache or the disk.
// `--cold` (root; Linux) measures both again after dropping the page cache, so every size is
// read from the disk — the case of a log larger than the machine's memory. With `--tiered
// --host=node` it also measures the storage's own ceiling at each size: the same shapes of read
// straight from the object files after the same drop (bench/lib/object-reads.ts), so a change
// in the broker's read rate between sizes can be set against the disk's.
//
// "Warm" is what the machine leaves in its page cache. Where the kernel runs DAMON proactive
// reclaim (/sys/kernel/mm/damon/admin: a `pageout` scheme for unmapped pages idle for some
// intervals, as this project's 2-core VMs do), objects written more than about a minute before
// they are read come from the disk even with memory free: the larger sizes, whose fills take
// minutes, read mostly from the disk.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LogCore } from "../src/core/batch/log-core.ts";
import { encodeBatch } from "../src/core/batch/record-batch.ts";
import { percentile, runLoad, send } from "./lib/load.ts";
import { objectFiles, readObjects, type ObjectReads } from "./lib/object-reads.ts";
import { BENCH_TOKEN, startBroker, type Server } from "./lib/servers.ts";
import { startServer } from "../test/contract/hosts-support.ts";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    sizes: { type: "string" },
    tiered: { type: "boolean", default: false },
    "local-mb": { type: "string", default: "256" },
    host: { type: "string", default: "workerd" },
    cold: { type: "boolean", default: false },
    reads: { type: "string", default: "1000" },
    repeat: { type: "string", default: "3" },
  },
});
const MB = 1_000_000;
const sizes = args.sizes
  ? args.sizes.split(",").map((s) => Number(s) * MB)
  : args.quick
    ? [1 * MB, 10 * MB, 100 * MB]
    : [10 * MB, 100 * MB, 1000 * MB];
if (sizes.some((s) => !Number.isFinite(s) || s <= 0)) throw new Error("--sizes: comma-separated sizes in MB");
const localRetention = Number(args["local-mb"]) * MB;
const auth = { authorization: `Bearer ${BENCH_TOKEN}` };
const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

const core = await LogCore.instantiate(readFileSync(new URL("../build/edgebroker.wasm", import.meta.url)));
const value = new TextEncoder().encode("x".repeat(100));
const batch = encodeBatch(
  Array.from({ length: 1000 }, (_, i) => ({ key: null, value, headers: [], timestamp: 1_700_000_000_000 + i })),
  { crc32c: (b) => core.crc32c(b) },
);
const produceSpec = {
  method: "POST",
  path: "/v1/topics/history/records?partition=0",
  headers: { ...auth, "content-type": "application/vnd.kafka.record-batch" },
  body: batch,
};

/** The Node host's directory store, read directly for the storage ceiling (--tiered --cold). */
let tieredDir: string | undefined;

async function startHost(): Promise<Server> {
  // EDGEBROKER_TIERED_CACHE_BYTES from the bench's environment reaches the workerd broker too
  // (the Node host inherits the environment), so the remote-object cache can be compared.
  const cache = process.env.EDGEBROKER_TIERED_CACHE_BYTES;
  if (args.host === "workerd") return startBroker(cache === undefined ? {} : { EDGEBROKER_TIERED_CACHE_BYTES: cache });
  if (args.host !== "node") throw new Error("--host: workerd or node");
  const dataDir = mkdtempSync(join(tmpdir(), "edgebroker-log-size-"));
  tieredDir = join(dataDir, "tiered");
  const server = await startServer("node", { dataDir, env: { EDGEBROKER_TIERED_DIR: tieredDir } });
  return {
    url: server.url,
    async dispose() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const broker = await startHost();
const agent = new http.Agent({ keepAlive: true });
const stats = async () =>
  JSON.parse((await send(broker.url, agent, { method: "GET", path: "/v1/topics/history", headers: auth })).body.toString()).partitions[0];
const config = args.tiered
  ? { "retention.ms": -1, "remote.storage.enable": "true", "local.retention.bytes": localRetention }
  : { "retention.ms": -1 };

/** Tiered: uploads run at the partition's alarm; wait until the local part is back within local retention. */
async function settle(): Promise<void> {
  if (!args.tiered) return;
  // One row above the limit is allowed: the newest row always stays local.
  for (let s = await stats(); s.local_bytes > localRetention + 2 * MB; s = await stats()) await new Promise((r) => setTimeout(r, 500));
}

/** Bytes the machine's disks have read so far (/proc/diskstats, sectors of 512 bytes; whole disks only, not their partitions). */
function diskReadBytes(): number {
  let sectors = 0;
  for (const line of readFileSync("/proc/diskstats", "utf8").split("\n")) {
    const f = line.trim().split(/\s+/);
    const name = f[2] ?? "";
    if (!/^(sd[a-z]+|vd[a-z]+|xvd[a-z]+|nvme\d+n\d+)$/.test(name)) continue;
    sectors += Number(f[5]);
  }
  return sectors * 512;
}

function dropPageCache(): void {
  // Needs root (writes /proc/sys/vm/drop_caches); dirty pages are written first so they can go.
  execFileSync("sync");
  try {
    writeFileSync("/proc/sys/vm/drop_caches", "1");
  } catch (err) {
    throw new Error(`--cold drops the page cache and needs root: ${(err as Error).message}`);
  }
}

interface Reads {
  readRate: number;
  readP50: number;
  readP99: number;
  readRowsPerM: number;
  catchUpRate: number;
  /** Disk bytes read per byte answered, random reads and catch-up. */
  diskPerServed: number;
  catchUpDiskPerServed: number;
}

// 200 reads (0.2 s of work) moved by a third between runs of the same code on a loaded machine.
const READS = Math.max(10, Number(args.reads));
const REPEAT = Math.max(1, Number(args.repeat));

/** Field by field, the median of several passes' figures. */
function medians<T extends object>(passes: T[]): T {
  const out = {} as Record<string, number>;
  for (const key of Object.keys(passes[0]!)) {
    const sorted = passes.map((p) => (p as Record<string, number>)[key]!).sort((a, b) => a - b);
    out[key] = sorted[Math.floor(sorted.length / 2)]!;
  }
  return out as T;
}

/**
 * `--reads` random-offset 1 MiB reads below `end`, then a catch-up of half as many consecutive
 * 1 MiB pages from a random point in the older half (wrapping at `end`).
 */
async function measureReads(end: number, cold = false): Promise<Reads> {
  const before = await stats();
  if (cold) dropPageCache();
  let disk = diskReadBytes();
  const read = await runLoad(broker.url, 1, READS, () => ({
    method: "GET",
    path: `/v1/topics/history/partitions/0/records?offset=${Math.floor(Math.random() * (end - 1000))}&max_bytes=1048576`,
    headers: { ...auth, accept: "application/vnd.kafka.record-batch" },
  }));
  const readDisk = diskReadBytes() - disk;
  const after = await stats();
  // Catch-up: one consumer reading consecutive 1 MiB pages from a random point in the
  // oldest half of the log (remote segments when tiered).
  let next = Math.floor(Math.random() * (end / 2));
  if (cold) dropPageCache();
  disk = diskReadBytes();
  const catchUp = await runLoad(broker.url, 1, Math.ceil(READS / 2), () => {
    if (next >= end - 1000) next = 0; // a small log: start over
    const spec = {
      method: "GET",
      path: `/v1/topics/history/partitions/0/records?offset=${next}&max_bytes=1048576`,
      headers: { ...auth, accept: "application/vnd.kafka.record-batch" },
    };
    next += Math.floor(1048576 / (batch.length / 1000)) - 1000; // about one page on: whole batches, so step a batch short
    return spec;
  });
  const catchUpDisk = diskReadBytes() - disk;
  const readRecords = read.bytesIn / (batch.length / 1000);
  return {
    readRate: readRecords / read.seconds,
    readP50: percentile(read.latenciesMs, 50),
    readP99: percentile(read.latenciesMs, 99),
    readRowsPerM: ((after.rows_read - before.rows_read) / readRecords) * 1e6,
    catchUpRate: catchUp.bytesIn / (batch.length / 1000) / catchUp.seconds,
    diskPerServed: readDisk / read.bytesIn,
    catchUpDiskPerServed: catchUpDisk / catchUp.bytesIn,
  };
}

try {
  await send(broker.url, agent, {
    method: "POST",
    path: "/v1/topics",
    headers: { ...auth, "content-type": "application/json" },
    body: new TextEncoder().encode(JSON.stringify({ name: "history", partitions: 1, config })),
  });
  const rows: string[] = [];
  let base:
    | {
        append: number;
        read: number;
        catchUp: number;
        cold: Reads | undefined;
        remote: Reads | undefined;
        storage: ObjectReads | undefined;
      }
    | undefined;
  for (const size of sizes) {
    const have = (await stats()).bytes as number;
    const fill = Math.max(0, Math.ceil((size - have) / batch.length));
    const t0 = Date.now();
    process.stdout.write(`filling to ${fmt(size / MB)} MB (${fill} batches)… `);
    await runLoad(broker.url, 4, fill, () => produceSpec);
    await settle();
    process.stdout.write(`${fmt((Date.now() - t0) / 1000)} s… `);
    const before = await stats();
    const appends = 200;
    const append = await runLoad(broker.url, 4, appends, () => produceSpec);
    const afterAppend = await stats();
    const appendRowsPerM = ((afterAppend.rows_written - before.rows_written) / (appends * 1000)) * 1e6;
    const appendRate = (appends * 1000) / append.seconds;
    const end = afterAppend.end_offset as number;
    // Each kind of read runs `--repeat` times in a row and each figure is the median (single
    // passes of 1,000 reads moved by up to 0.35 of the 1 GB figure between runs). The warm and
    // remote passes come first: a pass after a drop of the page cache would not be warm.
    const repeat = async <T>(run: () => Promise<T>) => {
      const passes: T[] = [];
      for (let pass = 0; pass < REPEAT; pass++) passes.push(await run());
      return medians(passes as (T & object)[]);
    };
    const warm = await repeat(() => measureReads(end));
    // Tiered: the same reads kept to the remote part (records are all one size, so the remote
    // share of the bytes is the remote share of the offsets). At 1 GB a quarter of the log is
    // local and answers from SQLite; from 10 GB on nearly every read is remote. Comparing the
    // remote part alone across sizes says whether reading a remote segment costs more as the
    // log grows, apart from that change of mix.
    const tier = await stats();
    const remoteEnd = Math.floor((end * tier.remote_bytes) / tier.bytes);
    const remote = args.tiered && remoteEnd > 2000 ? await repeat(() => measureReads(remoteEnd)) : undefined;
    // --cold: the same reads again after the kernel's page cache is dropped, so every size reads
    // its objects from the disk, as the largest sizes must on a machine whose RAM they outgrow.
    const cold = args.cold ? await repeat(() => measureReads(end, true)) : undefined;
    // --cold on the Node host: the storage's own ceiling, the same shapes of read straight from
    // the object files after the same drop of the page cache (bench/lib/object-reads.ts).
    const files = cold && tieredDir && args.tiered ? objectFiles(tieredDir) : undefined;
    const storage = files ? await repeat(() => readObjects(files, READS, 1048576, dropPageCache)) : undefined;
    base ??= { append: appendRate, read: warm.readRate, catchUp: warm.catchUpRate, cold, remote, storage };
    const s = await stats();
    const cells = [
      `${fmt(s.bytes / MB)} MB`,
      `${fmt((s.local_bytes ?? s.bytes) / MB)} MB${args.tiered ? ` (≤ ${fmt(localRetention / MB)} + 1 row)` : ""}`,
      `${fmt(s.rows)} + ${fmt(s.remote_segments ?? 0)}`,
      fmt(appendRate),
      `${fmt(percentile(append.latenciesMs, 50), 1)} / ${fmt(percentile(append.latenciesMs, 99), 1)}`,
      fmt(appendRowsPerM),
      fmt(appendRate / base.append, 2),
      fmt(warm.readRate),
      `${fmt(warm.readP50, 1)} / ${fmt(warm.readP99, 1)}`,
      fmt(warm.readRowsPerM),
      fmt(warm.readRate / base.read, 2),
      fmt(warm.catchUpRate),
      fmt(warm.catchUpRate / base.catchUp, 2),
      `${fmt(warm.diskPerServed, 2)} / ${fmt(warm.catchUpDiskPerServed, 2)}`,
    ];
    if (args.tiered)
      cells.push(
        ...(remote && base.remote
          ? [
              fmt(remote.readRate),
              fmt(remote.readRate / base.remote.readRate, 2),
              fmt(remote.catchUpRate),
              fmt(remote.catchUpRate / base.remote.catchUpRate, 2),
            ]
          : ["–", "–", "–", "–"]),
      );
    if (cold && base.cold)
      cells.push(
        fmt(cold.readRate),
        fmt(cold.readRate / base.cold.readRate, 2),
        fmt(cold.catchUpRate),
        fmt(cold.catchUpRate / base.cold.catchUpRate, 2),
        `${fmt(cold.diskPerServed, 2)} / ${fmt(cold.catchUpDiskPerServed, 2)}`,
      );
    if (storage && base.storage)
      cells.push(
        fmt(storage.randomBytesPerSec / MB),
        fmt(storage.randomBytesPerSec / base.storage.randomBytesPerSec, 2),
        fmt(storage.catchUpBytesPerSec / MB),
        fmt(storage.catchUpBytesPerSec / base.storage.catchUpBytesPerSec, 2),
      );
    rows.push(`| ${cells.join(" | ")} |`);
    console.log("done");
  }
  const header = [
    "| Log size",
    "local",
    "rows + remote segments",
    "append records/s",
    "append p50 / p99 ms",
    "append rows written / M",
    "vs smallest",
    "random read records/s",
    "read p50 / p99 ms",
    "read rows read / M",
    "vs smallest",
    "catch-up records/s",
    "vs smallest",
    "disk bytes read / bytes served (random / catch-up)",
    ...(args.tiered ? ["remote part only: random read records/s", "vs smallest", "catch-up records/s", "vs smallest"] : []),
    ...(args.cold ? ["cold random read records/s", "vs smallest", "cold catch-up records/s", "vs smallest", "cold disk / served"] : []),
    ...(args.cold && tieredDir && args.tiered
      ? ["storage ceiling, cold: random object reads MB/s", "vs smallest", "consecutive object reads MB/s", "vs smallest"]
      : []),
  ];
  console.log(`\nhost ${args.host}${args.tiered ? `, tiered (local.retention.bytes ${fmt(localRetention / MB)} MB)` : ""}; ratios are to the smallest size's figures (target ≥ 0.83, i.e. within 1.2×)
${header.join(" | ")} |
${header.map((_h, i) => (i === 0 ? "| ---" : " ---:")).join(" |")} |
${rows.join("\n")}\n`);
} finally {
  await broker.dispose();
}
