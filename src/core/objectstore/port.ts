// The object-storage port: the few calls tiered storage (docs/tiered-storage.md) and the archive
// connector need from R2, an S3-compatible endpoint or a directory. Shaped after the R2 binding
// (the smallest of the three), so the Workers adapter is a thin wrapper. Portable: bytes are
// Uint8Array, nothing here knows a runtime. Adapters: src/worker/r2-object-store.ts,
// src/runtime/dir-object-store.ts, src/runtime/s3-object-store.ts; every adapter passes the same
// behavioural contract (objectStoreContract, src/core/objectstore/contract.ts).

/** Small string metadata stored with an object (R2 customMetadata, S3 x-amz-meta-*, a sidecar file). */
export type ObjectMeta = Record<string, string>;

export interface ObjectInfo {
  key: string;
  size: number;
  meta: ObjectMeta;
}

/** A byte range: `length` bytes from `offset` (to the end when `length` is omitted). */
export interface ByteRange {
  offset: number;
  length?: number;
}

export interface ObjectStore {
  /** Stores `bytes` under `key`, replacing any object there; resolves once the object is durable. */
  put(key: string, bytes: Uint8Array, meta?: ObjectMeta): Promise<void>;
  /** The object's bytes (or `range` of them), or undefined when there is no object under `key`. */
  get(key: string, range?: ByteRange): Promise<Uint8Array | undefined>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every key starting with `prefix`, in lexicographic order (the adapters page through the store). */
  list(prefix: string): Promise<string[]>;
  /** Deletes the objects; keys with no object are ignored, so a delete can be retried. */
  delete(keys: string[]): Promise<void>;
  /**
   * Set when a get is a copy out of this machine's page cache (a directory store), not a request
   * over the network: readers then keep no copies of their own (remote-reader.ts says why).
   */
  readonly localReads?: boolean;
}

/** Object keys: 1–1024 bytes of printable ASCII, '/'-separated parts, none empty, "." or "..". */
const KEY = /^[\x21-\x7e]{1,1024}$/;

/**
 * Refuses a key a directory or URL would interpret: every adapter checks keys with this, so the
 * same key works (or fails) on every store and no key can leave a directory store's root.
 */
export function checkObjectKey(key: string): string {
  if (!KEY.test(key) || key.split("/").some((p) => p === "" || p === "." || p === "..") || key.includes("\\")) {
    throw new RangeError(`object key ${JSON.stringify(key)} is not valid: printable ASCII parts separated by '/', none empty, '.' or '..'`);
  }
  return key;
}

/** The error an adapter throws when the store answers a failure (a status it does not expect). */
export class ObjectStoreError extends Error {
  override name = "ObjectStoreError";
}
