// The object-storage port (src/core/objectstore/port.ts) over a local directory, for tiered
// storage and the archive connector on the standalone hosts (EDGEBROKER_TIERED_DIR). Each object
// is one file, <root>/<key>.obj, holding a 4-byte metadata length, the metadata as JSON, then the
// bytes; one file means one rename makes an object and its metadata appear together.
//
// A put is atomic and durable before it resolves: the file is written under a temporary name in
// the same directory, fsynced, renamed over the target, and the directory fsynced (POSIX rename
// replaces atomically; the directory fsync makes the new name survive a power cut). A crash at
// any point leaves the old object or the new one, never a torn one; a leftover *.tmp file is
// ignored by list and get.
import type { Dirent } from "node:fs";
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import {
  checkObjectKey,
  ObjectStoreError,
  type ByteRange,
  type ObjectInfo,
  type ObjectMeta,
  type ObjectStore,
} from "../core/objectstore/port.ts";

const SUFFIX = ".obj";

export class DirObjectStore implements ObjectStore {
  private readonly root: string;
  readonly localReads = true;

  constructor(root: string) {
    this.root = root;
  }

  private file(key: string): string {
    return join(this.root, ...checkObjectKey(key).split("/")) + SUFFIX;
  }

  async put(key: string, bytes: Uint8Array, meta: ObjectMeta = {}): Promise<void> {
    const target = this.file(key);
    const dir = dirname(target);
    await mkdir(dir, { recursive: true });
    const metaBytes = new TextEncoder().encode(JSON.stringify(meta));
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint32(0, metaBytes.length);
    const temp = `${target}.${crypto.randomUUID()}.tmp`;
    const fh = await open(temp, "w");
    try {
      await fh.write(head, 0, 4, 0);
      await fh.write(metaBytes, 0, metaBytes.length, 4);
      if (bytes.length > 0) await fh.write(bytes, 0, bytes.length, 4 + metaBytes.length);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    await syncDir(dir);
  }

  /** Opens the object's file and reads its metadata header; undefined when there is no object. */
  private async openObject(key: string) {
    let fh: FileHandle;
    try {
      fh = await open(this.file(key), "r");
    } catch (err) {
      if ((err as { code?: string }).code === "ENOENT") return undefined;
      throw err;
    }
    const head = new Uint8Array(4);
    await fh.read(head, 0, 4, 0);
    const metaLength = new DataView(head.buffer).getUint32(0);
    const metaBytes = new Uint8Array(metaLength);
    await fh.read(metaBytes, 0, metaLength, 4);
    const size = (await fh.stat()).size - 4 - metaLength;
    if (size < 0) {
      await fh.close();
      throw new ObjectStoreError(`object file for ${key} is truncated`);
    }
    return { fh, dataAt: 4 + metaLength, size, meta: JSON.parse(new TextDecoder().decode(metaBytes)) as ObjectMeta };
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    const o = await this.openObject(key);
    if (!o) return undefined;
    try {
      const from = Math.min(range?.offset ?? 0, o.size);
      const length = Math.min(range?.length ?? o.size - from, o.size - from);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await o.fh.read(out, done, length - done, o.dataAt + from + done);
        if (bytesRead === 0) throw new ObjectStoreError(`object file for ${key} ended early`);
        done += bytesRead;
      }
      return out;
    } finally {
      await o.fh.close();
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const o = await this.openObject(key);
    if (!o) return undefined;
    await o.fh.close();
    return { key, size: o.size, meta: o.meta };
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    // Only the directory the prefix's last '/' names needs walking.
    const base = prefix.includes("/") ? join(this.root, ...prefix.slice(0, prefix.lastIndexOf("/")).split("/")) : this.root;
    await walk(base, (path) => {
      if (!path.endsWith(SUFFIX)) return;
      const key = relative(this.root, path.slice(0, -SUFFIX.length)).split(sep).join("/");
      if (key.startsWith(prefix)) keys.push(key);
    });
    return keys.sort();
  }

  async delete(keys: string[]): Promise<void> {
    const files = keys.map((k) => this.file(k));
    for (const f of files) await rm(f, { force: true });
    for (const d of new Set(files.map((f) => dirname(f)))) await syncDir(d).catch(() => undefined);
  }
}

async function walk(dir: string, visit: (path: string) => void): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return;
    throw err;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) await walk(path, visit);
    else visit(path);
  }
}

/** fsync of a directory makes a rename or unlink in it durable (Linux; elsewhere a no-op or refused). */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } catch (err) {
    if (!["EINVAL", "EPERM", "EISDIR", "EBADF"].includes((err as { code?: string }).code ?? "")) throw err;
  } finally {
    await fh.close();
  }
}

/** Whether `path` exists as a directory (for the host's startup check). */
export async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
