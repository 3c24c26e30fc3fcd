// The storage's own ceiling for bench/log-size.ts --tiered --host=node: the same shapes of read
// the broker's fetches make of a directory store (src/runtime/dir-object-store.ts reads each
// object it touches whole), done straight from the files with no broker in the way. Measured at
// each log size in the same run and under the same page-cache state as the broker's reads, it
// says how much of a change in the broker's read rate between sizes is the machine's storage.
import { readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export interface ObjectReads {
  /** Object bytes read per second: `reads` random reads of consecutive objects covering one page each. */
  randomBytesPerSec: number;
  /** Object bytes read per second: consecutive objects from a random point in the older half, `reads / 2` pages in all. */
  catchUpBytesPerSec: number;
}

export interface ObjectFiles {
  /** In key order; keys are <topic>/<epoch>/<16-digit base offset>-… (src/core/log/tiering.ts). */
  paths: string[];
  averageBytes: number;
}

/** Every object file under `dir`, listed (and sized) once for all the passes that read them. */
export function objectFiles(dir: string): ObjectFiles {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const e of readdirSync(at, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(at, e.name));
      else if (e.name.endsWith(".obj")) out.push(join(at, e.name));
    }
  };
  walk(dir);
  out.sort();
  return { paths: out, averageBytes: out.reduce((sum, f) => sum + statSync(f).size, 0) / out.length };
}

/**
 * Reads, one page at a time as the bench's single client does, `reads` runs of consecutive
 * objects (as many as one `pageBytes` answer spans: the objects covering a page, plus the one it
 * starts in; fetched together, as src/core/log/remote-reader.ts does), then the catch-up: pages
 * of consecutive objects from a random point in the older half until `reads / 2` pages' worth is
 * read. `beforeEach` runs before each of the two (the bench drops the
 * page cache there when measuring cold).
 */
export async function readObjects(objects: ObjectFiles, reads: number, pageBytes: number, beforeEach: () => void): Promise<ObjectReads> {
  const files = objects.paths;
  const span = Math.min(files.length, Math.ceil(pageBytes / objects.averageBytes) + 1);
  beforeEach();
  let bytes = 0;
  let t0 = process.hrtime.bigint();
  for (let r = 0; r < reads; r++) {
    const first = Math.floor(Math.random() * (files.length - span + 1));
    for (const b of await Promise.all(files.slice(first, first + span).map((f) => readFile(f)))) bytes += b.length;
  }
  const randomBytesPerSec = bytes / (Number(process.hrtime.bigint() - t0) / 1e9);
  beforeEach();
  const want = (reads / 2) * pageBytes;
  let at = Math.floor(Math.random() * Math.max(1, files.length / 2));
  bytes = 0;
  t0 = process.hrtime.bigint();
  while (bytes < want) {
    const page = Array.from({ length: span }, (_, i) => files[(at + i) % files.length]!);
    for (const b of await Promise.all(page.map((f) => readFile(f)))) bytes += b.length;
    at = (at + span - 1) % files.length; // the next page starts in the object this one ended in
  }
  return { randomBytesPerSec, catchUpBytesPerSec: bytes / (Number(process.hrtime.bigint() - t0) / 1e9) };
}
