// Reads of offsets held in remote segments (tiering.ts): the object is fetched once into a
// bounded LRU cache, then served by the same readBatch as a local row — its index (kept locally)
// locates the batch, and every batch handed out is CRC-checked in WASM against the stored bytes,
// so a damaged or substituted object is reported (corrupt_log), never served.
//
// The cache saves requests to R2 or S3. A directory store (`localReads`) is not cached: its gets
// are copies out of the kernel's page cache, and holding object buffers across requests made V8
// run a major collection for every few reads (external memory in the old generation) — 190 in a
// 20 s catch-up, against 2 without the cache, which read 30 % more per second (issue #20).
import type { LogCore } from "../batch/log-core.ts";
import { concatBytes } from "../bytes.ts";
import { fail, type Failure } from "../errors.ts";
import type { ObjectStore } from "../objectstore/port.ts";
import type { StoragePort } from "../storage-port.ts";
import { collectBatches, readBatch, type Budget } from "./segment-reader.ts";
import type { Tiering } from "./tiering.ts";

/** Remote segments read per call at most (each is one object of up to ~1 MiB). */
const ROWS_PER_READ = 8;
export const DEFAULT_REMOTE_CACHE_BYTES = 16 * 1024 * 1024;

/** Least-recently-used objects, bounded by their total size. */
export class ObjectCache {
  private readonly entries = new Map<string, Uint8Array>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get(key: string): Uint8Array | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      this.hits++;
    } else this.misses++;
    return hit;
  }

  set(key: string, bytes: Uint8Array): void {
    if (bytes.length > this.maxBytes) return;
    this.entries.set(key, bytes);
    this.bytes += bytes.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.length;
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

/**
 * How many of `rows` a read from `offset` within `budget` can need: the first (it holds the
 * offset), then each next row while the rows before it leave budget. The first row counts for at
 * least one record and for the share of its bytes past the offset (records are taken whole, so
 * by offsets; an estimate: a row it misses is fetched when reached, one too many is a wasted get).
 */
export function reachable(
  rows: readonly { base_offset: number; last_offset: number; size: number }[],
  offset: number,
  budget: Budget,
): number {
  const first = rows[0];
  if (!first) return 0;
  const from = Math.max(offset, first.base_offset);
  let bytes = (first.size * (first.last_offset - from + 1)) / (first.last_offset - first.base_offset + 1);
  let records = 1;
  let n = 1;
  while (n < rows.length && bytes < budget.bytes && records < budget.records) {
    const row = rows[n++]!;
    bytes += row.size;
    records += row.last_offset - row.base_offset + 1;
  }
  return n;
}

export class RemoteReader {
  readonly cache: ObjectCache;
  private readonly storage: StoragePort;
  private readonly core: LogCore;
  private readonly tiering: Tiering;

  constructor(storage: StoragePort, core: LogCore, tiering: Tiering, cacheBytes: number) {
    this.storage = storage;
    this.core = core;
    this.tiering = tiering;
    this.cache = new ObjectCache(cacheBytes);
  }

  /** The object's bytes, checked against the size the map recorded. */
  async object(key: string, size: number, first: number, last: number): Promise<Uint8Array | Failure> {
    const cached = this.cache.get(key);
    if (cached) return cached;
    const store = this.tiering.store as ObjectStore | undefined;
    if (!store) {
      return fail(
        "remote_storage_unavailable",
        `offsets ${first}..${last} are in remote storage, and this broker has no object store configured`,
      );
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = await store.get(key);
    } catch (err) {
      return fail("remote_storage_unavailable", `remote segment ${first}..${last} could not be read: ${(err as Error).message}`);
    }
    if (!bytes)
      return fail("corrupt_log", `remote segment ${first}..${last} is missing from the object store (${key})`, {
        first_offset: first,
        last_offset: last,
      });
    if (bytes.length !== size) {
      return fail(
        "corrupt_log",
        `remote segment ${first}..${last} holds ${bytes.length} bytes, the map says ${size}; it will not be served`,
        {
          first_offset: first,
          last_offset: last,
        },
      );
    }
    if (!store.localReads) this.cache.set(key, bytes);
    return bytes;
  }

  /** Whole batches from `offset` on, from the remote segments (a read never mixes remote and local bytes). */
  async collect(offset: number, budget: Budget): Promise<{ result: { ok: true; bytes: Uint8Array } | Failure; rowsRead: number }> {
    const rows = this.tiering.rowsFrom(offset, ROWS_PER_READ);
    let rowsRead = rows.length;
    const parts: Uint8Array[] = [];
    let total = 0;
    let next = offset;
    // The objects the budget can reach are fetched together, not one after another: a 1 MiB read
    // spans three or four objects, and serial gets add up their latencies (a disk read each from
    // a directory store, a round trip each from R2 or S3). object() never rejects, so a fetch
    // that a failure or a full budget leaves unawaited cannot go unhandled.
    const fetch = (row: (typeof rows)[number]) => this.object(row.object_key, row.size, row.base_offset, row.last_offset);
    const fetches = rows.slice(0, reachable(rows, offset, budget)).map(fetch);
    for (const [i, row] of rows.entries()) {
      const data = await (fetches[i] ?? fetch(row));
      if (!(data instanceof Uint8Array)) return { result: data, rowsRead };
      const part = readBatch(this.core, { ...row, data }, next, budget, total === 0);
      if (!part.ok) return { result: part, rowsRead };
      if (part.bytes.length > 0) parts.push(part.bytes);
      total += part.bytes.length;
      next = row.last_offset + 1;
      if (part.full) return { result: { ok: true, bytes: concatBytes(parts, total) }, rowsRead };
    }
    // The remote part ended before any batch was taken (the offset is past it): the local rows
    // serve the read. A read that took remote batches ends there, so max_bytes holds exactly.
    if (total === 0 && rows.length < ROWS_PER_READ) {
      const local = collectBatches(this.storage, this.core, next, budget);
      rowsRead += local.rowsRead;
      if (!local.result.ok) return local;
      if (local.result.bytes.length > 0) parts.push(local.result.bytes);
      total += local.result.bytes.length;
    }
    return { result: { ok: true, bytes: concatBytes(parts, total) }, rowsRead };
  }
}
