// The object-storage sink: archives a topic's records to R2 (Workers: the ARCHIVE binding), a
// directory (EDGEBROKER_ARCHIVE_DIR) or an S3-compatible endpoint (standalone hosts), one object
// per run of a partition's records, NDJSON (gzip optional) or Parquet (archive-format.ts).
//
// Each batch the runtime hands over is a fixed offset range (stored before its first attempt,
// sink-runner.ts), cut here into objects by size (`object.max.bytes`) and by record-timestamp
// window (`object.window.ms`, an object never spans two windows) — a function of the records
// alone — and each object is named by its range:
//   <prefix>/<topic>/<partition>/<first offset, 20 digits>-<last offset, 20 digits><ext>
// so an attempt after a crash (objects written, offset not yet committed) writes the same keys
// and overwrites rather than duplicates. After the objects, the partition's manifest
// (<prefix>/<topic>/<partition>/manifest.json) lists every object and `archived_to`, the offset
// after the last archived record; entries of an earlier attempt of the same range are replaced.
import { ConfigProblem, type Fields } from "./config-fields.ts";
import { checkOutboundUrl, type OutboundPolicy } from "../outbound/address-policy.ts";
import { checkObjectKey, type ObjectStore } from "../objectstore/port.ts";
import type { DecodedRecord } from "../batch/record-batch.ts";
import type { DeliveryOutcome, KindContext, KindHost, SinkBatch, SinkKind } from "./kinds.ts";
import { extension, ndjsonLines, ndjsonObject, parquetObject, type ArchiveCompression, type ArchiveFormat } from "./archive-format.ts";
import { loopbackHint } from "./http-sink.ts";

export interface ObjectStorageSinkConfig {
  connector: string;
  storeKind: "r2" | "dir" | "s3";
  store: ObjectStore;
  prefix: string;
  format: ArchiveFormat;
  compression: ArchiveCompression;
  maxBytes: number;
  windowMs: number;
}

/** One object in a partition's manifest. */
export interface ManifestEntry {
  key: string;
  first_offset: number;
  last_offset: number;
  records: number;
  bytes: number;
  min_timestamp: number;
  max_timestamp: number;
}

/** `<prefix>/<topic>/<partition>/manifest.json`. */
export interface Manifest {
  manifest_version: 1;
  connector: string;
  topic: string;
  partition: number;
  format: ArchiveFormat;
  compression: ArchiveCompression;
  /** Every offset below this is in exactly one listed object (or was not there to archive: markers, aborted data). */
  archived_to: number;
  updated_at: number;
  objects: ManifestEntry[];
}

const SECRETS = ["s3.access.key.id", "s3.secret.access.key"] as const;
const utf8 = new TextEncoder();
const text = new TextDecoder();

/** Offsets padded to 20 digits (an int64's width) so keys sort as offsets do. */
function pad(offset: number): string {
  return String(offset).padStart(20, "0");
}

export function partitionPrefix(prefix: string, topic: string, partition: number): string {
  return `${prefix}/${topic}/${partition}/`;
}

export function manifestKey(prefix: string, topic: string, partition: number): string {
  return `${partitionPrefix(prefix, topic, partition)}manifest.json`;
}

function storeOf(f: Fields, policy: OutboundPolicy, host: KindHost): { kind: "r2" | "dir" | "s3"; store: ObjectStore } {
  const available = (["r2", "dir", "s3"] as const).filter((k) => host.stores[k] !== undefined);
  const kind = f.oneOf("store", ["r2", "dir", "s3"] as const, available[0] ?? "dir");
  const s3Keys = ["s3.endpoint", "s3.bucket", "s3.region", ...SECRETS];
  if (kind !== "s3") {
    for (const k of s3Keys) if (f.str(k) !== undefined) throw new ConfigProblem(`${k}: only for store=s3`);
  }
  if (kind === "r2") {
    if (!host.stores.r2) throw new ConfigProblem("store: r2 is the ARCHIVE R2 binding of the Worker; this host has none (store=dir or s3)");
    return { kind, store: host.stores.r2 };
  }
  if (kind === "dir") {
    if (!host.stores.dir) throw new ConfigProblem("store: dir needs EDGEBROKER_ARCHIVE_DIR set on the standalone host");
    return { kind, store: host.stores.dir };
  }
  if (!host.stores.s3) throw new ConfigProblem("store: s3 is available on the standalone hosts (on Workers: store=r2)");
  const endpoint = f.required("s3.endpoint", "the S3-compatible endpoint, e.g. https://s3.eu-west-1.amazonaws.com");
  const checked = checkOutboundUrl(endpoint, policy);
  if (!checked.ok) throw new ConfigProblem(`s3.endpoint: ${loopbackHint(checked.reason)}`);
  if (checked.url.search || checked.url.hash)
    throw new ConfigProblem("s3.endpoint: no query or fragment (requests are <endpoint>/<bucket>/<key>)");
  const bucket = f.required("s3.bucket", "the bucket name");
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new ConfigProblem(`s3.bucket: not a bucket name, got ${JSON.stringify(bucket)}`);
  const store = host.stores.s3({
    endpoint,
    bucket,
    region: f.str("s3.region") ?? "us-east-1",
    accessKeyId: f.required("s3.access.key.id", "the access key id"),
    secretAccessKey: f.required("s3.secret.access.key", "the secret access key"),
  });
  return { kind, store };
}

/** Cuts a batch into objects: at most `maxBytes` (estimated uncompressed) each, none spanning two time windows. */
function cut(config: ObjectStorageSinkConfig, records: DecodedRecord[], sizes: number[]): DecodedRecord[][] {
  const out: DecodedRecord[][] = [];
  let run: DecodedRecord[] = [];
  let bytes = 0;
  let window: number | undefined;
  records.forEach((r, i) => {
    const w = config.windowMs > 0 ? Math.floor(r.timestamp / config.windowMs) : 0;
    if (run.length > 0 && (bytes + sizes[i]! > config.maxBytes || w !== window)) {
      out.push(run);
      run = [];
      bytes = 0;
    }
    run.push(r);
    bytes += sizes[i]!;
    window = w;
  });
  if (run.length > 0) out.push(run);
  return out;
}

async function readManifest(config: ObjectStorageSinkConfig, batch: SinkBatch): Promise<Manifest> {
  const bytes = await config.store.get(manifestKey(config.prefix, batch.topic, batch.partition));
  if (bytes) return JSON.parse(text.decode(bytes)) as Manifest;
  return {
    manifest_version: 1,
    connector: config.connector,
    topic: batch.topic,
    partition: batch.partition,
    format: config.format,
    compression: config.compression,
    archived_to: 0,
    updated_at: 0,
    objects: [],
  };
}

export const objectStorageSink: SinkKind<ObjectStorageSinkConfig> = {
  type: "sink",
  secrets: SECRETS,
  // An object per batch: larger batches and a longer linger than a webhook's.
  batchDefaults: { maxRecords: 10_000, lingerMs: 60_000 },

  async parse(f: Fields, policy: OutboundPolicy, host: KindHost): Promise<ObjectStorageSinkConfig> {
    const { kind, store } = storeOf(f, policy, host);
    const prefix = (f.str("store.prefix") ?? host.connector).replace(/\/+$/, "");
    try {
      checkObjectKey(`${prefix}/t/0/manifest.json`);
    } catch {
      throw new ConfigProblem(
        `store.prefix: printable ASCII parts separated by '/', none empty, '.' or '..', got ${JSON.stringify(prefix)}`,
      );
    }
    const format = f.oneOf("format", ["ndjson", "parquet"] as const, "ndjson");
    const compression = f.oneOf("compression", ["none", "gzip"] as const, "none");
    if (format === "parquet" && compression !== "none")
      throw new ConfigProblem("compression: Parquet files compress their pages themselves (snappy); leave compression unset");
    return {
      connector: host.connector,
      storeKind: kind,
      store,
      prefix,
      format,
      compression,
      maxBytes: f.int("object.max.bytes", 64 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      windowMs: f.int("object.window.ms", 0, 0, 31 * 86_400_000),
    };
  },

  async deliver(ctx: KindContext, config: ObjectStorageSinkConfig, batch: SinkBatch): Promise<DeliveryOutcome> {
    const manifest = await readManifest(config, batch);
    const lines = config.format === "ndjson" ? ndjsonLines(batch.topic, batch.partition, batch.records) : undefined;
    const sizes = lines
      ? lines.map((l) => l.length)
      : batch.records.map(
          (r) => 64 + (r.key?.length ?? 0) + (r.value?.length ?? 0) + r.headers.reduce((n, [k, v]) => n + k.length + (v?.length ?? 0), 0),
        );
    const ext = extension(config.format, config.compression);
    const written: ManifestEntry[] = [];
    let at = 0;
    for (const run of cut(config, batch.records, sizes)) {
      const first = run[0]!.offset;
      const last = run[run.length - 1]!.offset;
      const bytes = lines
        ? ndjsonObject(lines.slice(at, at + run.length), config.compression)
        : parquetObject(batch.topic, batch.partition, run);
      at += run.length;
      const key = `${partitionPrefix(config.prefix, batch.topic, batch.partition)}${pad(first)}-${pad(last)}${ext}`;
      await config.store.put(key, bytes, { first_offset: String(first), last_offset: String(last), connector: ctx.connector });
      const stamps = run.map((r) => r.timestamp);
      written.push({
        key,
        first_offset: first,
        last_offset: last,
        records: run.length,
        bytes: bytes.length,
        min_timestamp: Math.min(...stamps),
        max_timestamp: Math.max(...stamps),
      });
    }
    // Entries overlapping this range came from an earlier attempt of it: replaced by this one's.
    const overlaps = (e: ManifestEntry) => e.last_offset >= batch.firstOffset && e.first_offset <= batch.lastOffset;
    const stale = manifest.objects.filter((e) => overlaps(e) && !written.some((w) => w.key === e.key)).map((e) => e.key);
    manifest.objects = [...manifest.objects.filter((e) => !overlaps(e)), ...written].sort((a, b) => a.first_offset - b.first_offset);
    manifest.archived_to = Math.max(manifest.archived_to, batch.lastOffset + 1);
    manifest.updated_at = ctx.now();
    await config.store.put(manifestKey(config.prefix, batch.topic, batch.partition), utf8.encode(JSON.stringify(manifest)));
    if (stale.length > 0) await config.store.delete(stale);
    return { ok: true };
  },
};
