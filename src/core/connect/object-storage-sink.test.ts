// The object-storage sink's cutting and naming against a real directory store: objects never span
// a time window or exceed object.max.bytes, an attempt of the same range writes the same keys
// (a re-run overwrites), and a range written again under other names (records gone to retention
// meanwhile) replaces the earlier attempt's objects in the manifest and in the store.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { DecodedRecord } from "../batch/record-batch.ts";
import { DirObjectStore } from "../../runtime/dir-object-store.ts";
import { Fields } from "./config-fields.ts";
import type { KindContext, SinkBatch } from "./kinds.ts";
import { manifestKey, objectStorageSink, type Manifest } from "./object-storage-sink.ts";

const root = mkdtempSync(join(tmpdir(), "edgebroker-archive-unit-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const store = new DirObjectStore(root);
const utf8 = new TextEncoder();
const text = new TextDecoder();
const ctx = { connector: "c", now: () => 1 } as unknown as KindContext;

async function config(extra: Record<string, string>) {
  return objectStorageSink.parse(
    new Fields({ store: "dir", ...extra }),
    { allowLoopback: false },
    { connector: "c", stores: { dir: store } },
  );
}

function records(from: number, to: number, timestamp: (o: number) => number): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  for (let o = from; o <= to; o++)
    out.push({ offset: o, timestamp: timestamp(o), key: null, value: utf8.encode(`{"n":${o}}`), headers: [] });
  return out;
}

function batch(records: DecodedRecord[], first = records[0]!.offset, last = records[records.length - 1]!.offset): SinkBatch {
  return { topic: "t", partition: 0, firstOffset: first, lastOffset: last, key: `c-t-0-${first}-${last}`, attempt: 1, records };
}

async function manifest(prefix: string): Promise<Manifest> {
  return JSON.parse(text.decode((await store.get(manifestKey(prefix, "t", 0)))!)) as Manifest;
}

describe("object-storage sink", () => {
  it("cuts a batch at time windows and at object.max.bytes; keys name each object's range", async () => {
    const c = await config({ "store.prefix": "w", "object.window.ms": "1000", "object.max.bytes": "1024" });
    // Offsets 0–9 in window 0, 10–29 in window 1, 30–59 in window 2; lines of about 100 bytes.
    const rs = records(0, 59, (o) => (o < 10 ? 500 : o < 30 ? 1500 : 2500));
    expect(await objectStorageSink.deliver(ctx, c, batch(rs))).toEqual({ ok: true });
    const m = await manifest("w");
    const ranges = m.objects.map((o) => [o.first_offset, o.last_offset] as const);
    // Contiguous, every offset once, cut at both window starts, each object within the size.
    expect(ranges.map(([f, l], i) => f === (i === 0 ? 0 : ranges[i - 1]![1] + 1) && l >= f)).not.toContain(false);
    expect(ranges[ranges.length - 1]![1]).toBe(59);
    expect(ranges.map(([f]) => f)).toEqual(expect.arrayContaining([0, 10, 30]));
    for (const o of m.objects) {
      expect(o.bytes).toBeLessThanOrEqual(1024);
      expect(Math.floor(o.min_timestamp / 1000)).toBe(Math.floor(o.max_timestamp / 1000));
    }
    // Full objects: the next record would not have fitted (about 10 lines of ~100 bytes each).
    expect(m.objects.length).toBeGreaterThanOrEqual(6);
    expect(m.objects.length).toBeLessThanOrEqual(9);
    expect(m.objects[0]!.key).toBe("w/t/0/00000000000000000000-00000000000000000009.ndjson");
    expect(m.archived_to).toBe(60);
    const second = m.objects[1]!;
    const lines = text
      .decode((await store.get(second.key))!)
      .trimEnd()
      .split("\n");
    expect(lines.map((l) => JSON.parse(l).offset)).toEqual(
      Array.from({ length: second.last_offset - second.first_offset + 1 }, (_, i) => second.first_offset + i),
    );
  });

  it("writes the same keys when a range is attempted again, and replaces an earlier attempt's differently named objects", async () => {
    const c = await config({ "store.prefix": "r", compression: "gzip" });
    const rs = records(100, 119, () => 7);
    await objectStorageSink.deliver(ctx, c, batch(rs));
    const once = await store.list("r/");
    await objectStorageSink.deliver(ctx, c, batch(rs));
    expect(await store.list("r/")).toEqual(once);
    expect((await manifest("r")).objects).toHaveLength(1);
    // The same pending range, its first records gone to retention before the retry.
    await objectStorageSink.deliver(ctx, c, batch(rs.slice(5), 100, 119));
    const m = await manifest("r");
    expect(m.objects.map((o) => o.key)).toEqual(["r/t/0/00000000000000000105-00000000000000000119.ndjson.gz"]);
    expect(await store.list("r/")).toEqual([m.objects[0]!.key, "r/t/0/manifest.json"]);
    // The next range is added after it.
    await objectStorageSink.deliver(ctx, c, batch(records(120, 121, () => 7)));
    expect((await manifest("r")).objects.map((o) => o.first_offset)).toEqual([105, 120]);
    expect((await manifest("r")).archived_to).toBe(122);
  });

  it("needs a store this host has", async () => {
    await expect(
      objectStorageSink.parse(new Fields({ store: "r2" }), { allowLoopback: false }, { connector: "c", stores: { dir: store } }),
    ).rejects.toThrow(/^store: /);
    await expect(objectStorageSink.parse(new Fields({}), { allowLoopback: false }, { connector: "c", stores: {} })).rejects.toThrow(
      /EDGEBROKER_ARCHIVE_DIR/,
    );
  });
});
