// The object-storage port (src/core/objectstore/port.ts) over an R2 bucket binding: `TIERED` for
// tiered storage (wrangler.toml), `ARCHIVE` for the archive connector. R2 acknowledges a put once
// the object is durable (strongly consistent reads after writes), which is what the port promises.
import { checkObjectKey, type ByteRange, type ObjectInfo, type ObjectMeta, type ObjectStore } from "../core/objectstore/port.ts";

/** R2 deletes at most 1000 keys per call. */
const DELETE_BATCH = 1000;

export class R2ObjectStore implements ObjectStore {
  private readonly bucket: R2Bucket;

  constructor(bucket: R2Bucket) {
    this.bucket = bucket;
  }

  async put(key: string, bytes: Uint8Array, meta?: ObjectMeta): Promise<void> {
    await this.bucket.put(checkObjectKey(key), bytes, meta ? { customMetadata: meta } : undefined);
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    const object = await this.bucket.get(checkObjectKey(key), range ? { range: r2Range(range) } : undefined);
    return object ? new Uint8Array(await object.arrayBuffer()) : undefined;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const object = await this.bucket.head(checkObjectKey(key));
    return object ? { key, size: object.size, meta: object.customMetadata ?? {} } : undefined;
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.bucket.list({ prefix, cursor });
      for (const o of page.objects) keys.push(o.key);
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    return keys.sort();
  }

  async delete(keys: string[]): Promise<void> {
    for (const k of keys) checkObjectKey(k);
    for (let i = 0; i < keys.length; i += DELETE_BATCH) await this.bucket.delete(keys.slice(i, i + DELETE_BATCH));
  }
}

/** R2 reads `length` bytes from `offset`; a range without length reads to the end (suffix ranges unused). */
function r2Range(range: ByteRange): R2Range {
  return range.length === undefined ? { offset: range.offset } : { offset: range.offset, length: range.length };
}
