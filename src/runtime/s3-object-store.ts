// The object-storage port (src/core/objectstore/port.ts) over an S3-compatible endpoint (AWS S3,
// R2's S3 API, MinIO, ...) for the standalone hosts (EDGEBROKER_TIERED_S3_*). Requests are signed
// with AWS Signature V4 by aws4fetch; path-style URLs (<endpoint>/<bucket>/<key>), which every
// S3-compatible server accepts. S3 acknowledges a PUT once the object is durable and reads after
// writes are strongly consistent, which is what the port promises.
import { AwsClient } from "aws4fetch";
import {
  checkObjectKey,
  ObjectStoreError,
  type ByteRange,
  type ObjectInfo,
  type ObjectMeta,
  type ObjectStore,
} from "../core/objectstore/port.ts";

export interface S3Settings {
  /** e.g. https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000 */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const META_PREFIX = "x-amz-meta-";
/** Deletes in flight at once (one DELETE per key: DeleteObjects needs a Content-MD5 body checksum). */
const DELETE_CONCURRENCY = 8;

export class S3ObjectStore implements ObjectStore {
  private readonly client: AwsClient;
  private readonly base: string;

  constructor(settings: S3Settings) {
    this.client = new AwsClient({
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      region: settings.region,
      service: "s3",
    });
    this.base = `${settings.endpoint.replace(/\/+$/, "")}/${encodeURIComponent(settings.bucket)}`;
  }

  private url(key: string): string {
    return `${this.base}/${checkObjectKey(key).split("/").map(encodeURIComponent).join("/")}`;
  }

  private async send(url: string, init: RequestInit, ok: number[]): Promise<Response> {
    const res = await this.client.fetch(url, init);
    if (!ok.includes(res.status)) {
      const body = await res.text().catch(() => "");
      throw new ObjectStoreError(`S3 ${init.method ?? "GET"} ${new URL(url).pathname} answered ${res.status}: ${body.slice(0, 300)}`);
    }
    return res;
  }

  async put(key: string, bytes: Uint8Array, meta: ObjectMeta = {}): Promise<void> {
    const headers: Record<string, string> = { "content-type": "application/octet-stream" };
    for (const [k, v] of Object.entries(meta)) headers[META_PREFIX + k.toLowerCase()] = v;
    const res = await this.send(this.url(key), { method: "PUT", body: bytes as Uint8Array<ArrayBuffer>, headers }, [200]);
    await res.body?.cancel();
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    if (range && range.length === 0) return (await this.head(key)) ? new Uint8Array(0) : undefined;
    const headers: Record<string, string> = {};
    if (range) headers.range = `bytes=${range.offset}-${range.length === undefined ? "" : range.offset + range.length - 1}`;
    const res = await this.send(this.url(key), { headers }, [200, 206, 404, 416]);
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    // A range starting at the end of the object: nothing to read.
    if (res.status === 416) {
      await res.body?.cancel();
      return new Uint8Array(0);
    }
    return new Uint8Array(await res.arrayBuffer());
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const res = await this.send(this.url(key), { method: "HEAD" }, [200, 404]);
    if (res.status === 404) return undefined;
    const meta: ObjectMeta = {};
    res.headers.forEach((v, k) => {
      if (k.startsWith(META_PREFIX)) meta[k.slice(META_PREFIX.length)] = v;
    });
    return { key, size: Number(res.headers.get("content-length") ?? 0), meta };
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const q = new URLSearchParams({ "list-type": "2", prefix });
      if (token) q.set("continuation-token", token);
      const xml = await (await this.send(`${this.base}?${q}`, {}, [200])).text();
      for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(unescapeXml(m[1]!));
      const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
      token = truncated ? unescapeXml(/<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1] ?? "") : undefined;
      if (truncated && !token) throw new ObjectStoreError("S3 list: a truncated page without a continuation token");
    } while (token);
    return keys.sort();
  }

  async delete(keys: string[]): Promise<void> {
    const urls = keys.map((k) => this.url(k));
    for (let i = 0; i < urls.length; i += DELETE_CONCURRENCY) {
      await Promise.all(
        urls.slice(i, i + DELETE_CONCURRENCY).map(async (u) => (await this.send(u, { method: "DELETE" }, [200, 204, 404])).body?.cancel()),
      );
    }
  }
}

/** The five XML entities S3 escapes in keys and tokens (object keys here are printable ASCII). */
function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-f]+));/gi, (_, name: string, dec?: string, hex?: string) => {
    if (dec) return String.fromCharCode(Number(dec));
    if (hex) return String.fromCharCode(parseInt(hex, 16));
    return { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" }[name.toLowerCase()]!;
  });
}
