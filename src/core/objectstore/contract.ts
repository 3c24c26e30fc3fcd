// The behaviour every ObjectStore adapter must have, as one function the tests of each adapter
// run against a real store (local R2 in workerd, a directory, an S3-compatible server). It throws
// on the first difference, so it needs no test framework and runs on every host.
import { checkObjectKey, type ObjectStore } from "./port.ts";

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(`object store contract: ${what}`);
}

function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Runs the contract under `prefix` (left empty afterwards). */
export async function objectStoreContract(store: ObjectStore, prefix: string): Promise<void> {
  checkObjectKey(`${prefix}x`);
  const bytes = new Uint8Array(300_000).map((_, i) => (i * 7 + 3) & 0xff);
  const a = `${prefix}a/0001.seg`;
  const b = `${prefix}a/0002.seg`;
  const c = `${prefix}b/0001.seg`;
  expect((await store.get(a)) === undefined, "get of a missing key is undefined");
  expect((await store.head(a)) === undefined, "head of a missing key is undefined");
  await store.put(a, bytes, { first: "0", last: "9" });
  await store.put(b, bytes.subarray(10, 20));
  await store.put(c, new Uint8Array(0));
  expect(same(await store.get(a), bytes), "get returns the bytes put");
  expect(same(await store.get(a, { offset: 1000, length: 50 }), bytes.subarray(1000, 1050)), "a range read returns that range");
  expect(same(await store.get(a, { offset: 299_990 }), bytes.subarray(299_990)), "a range without length reads to the end");
  expect(same(await store.get(c), new Uint8Array(0)), "an empty object reads back empty");
  const info = await store.head(a);
  expect(info?.size === bytes.length && info.meta.first === "0" && info.meta.last === "9", "head returns size and metadata");
  await store.put(b, bytes.subarray(0, 5));
  expect(same(await store.get(b), bytes.subarray(0, 5)), "put replaces an object");
  expect(JSON.stringify(await store.list(`${prefix}a/`)) === JSON.stringify([a, b]), "list returns the keys under a prefix, in order");
  expect((await store.list(prefix)).length === 3, "list includes nested keys");
  await store.delete([a, `${prefix}a/missing.seg`]);
  expect((await store.get(a)) === undefined, "a deleted key is gone");
  await store.delete([a, b, c]);
  expect((await store.list(prefix)).length === 0, "delete of keys already gone succeeds, and the prefix is empty");
  let refused = false;
  try {
    await store.put(`${prefix}../escape`, bytes);
  } catch {
    refused = true;
  }
  expect(refused, "a key with a '..' part is refused");
}
