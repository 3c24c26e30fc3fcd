// The object-storage port (src/core/objectstore/port.ts) over an S3-compatible endpoint (AWS S3,
// R2's S3 API, MinIO, ...) for the standalone hosts (EDGEBROKER_TIERED_S3_*). Requests are signed
// with AWS Signature V4 by aws4fetch; path-style URLs (<endpoint>/<bucket>/<key>), which every
// S3-compatible server accepts. S3 acknowledges a PUT once the object is durable and reads after
// writes are strongly consistent, which is what the port promises.
//
// aws4fetch only signs: the signed Request goes out through an injected `S3Send`, so whoever builds
// the store decides where it may connect. An object-storage sink's endpoint is user-given and goes
// through the host's OutboundFetch with the connector address policy (`outboundS3Send`: resolved,
// every address checked, connected to the checked address). Tiered storage's endpoint is set by
// the operator and may be private (MinIO on the LAN), so it uses `directS3Send`. Neither follows
// redirects: a 3xx fails the request.
import { AwsClient } from "aws4fetch";
import type { OutboundPolicy } from "../core/outbound/address-policy.ts";
import type { OutboundFetch } from "../core/outbound/outbound-fetch.ts";
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

/** Sends one signed request; a refusal or network failure rejects. */
export type S3Send = (request: Request) => Promise<Response>;

/** Whole request, connect to last byte: segments and archive objects are megabytes. */
const S3_TIMEOUT_MS = 120_000;
/** Most response bytes read: above any object the broker writes (segments, archive files). */
const S3_MAX_RESPONSE_BYTES = 512 * 1024 * 1024;

/** The global fetch without redirects (operator-configured endpoints: tiered storage). */
export const directS3Send: S3Send = async (request) => {
  const res = await fetch(request, { redirect: "manual", signal: AbortSignal.timeout(S3_TIMEOUT_MS) });
  if (res.status >= 300 && res.status < 400 && res.status !== 304) {
    await res.body?.cancel().catch(() => undefined);
    throw new ObjectStoreError(
      `S3 ${request.method} answered ${res.status} (redirect to ${res.headers.get("location") ?? "nowhere"}); redirects are not followed`,
    );
  }
  return res;
};

/** Through the host's OutboundFetch under `policy` (user-given endpoints: object-storage sinks). */
export function outboundS3Send(outbound: OutboundFetch, policy: OutboundPolicy): S3Send {
  return async (request) => {
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => (headers[k] = v));
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const result = await outbound(
      request.url,
      { method: request.method, headers, body, timeoutMs: S3_TIMEOUT_MS, maxResponseBytes: S3_MAX_RESPONSE_BYTES },
      policy,
    );
    if (!result.ok) throw new ObjectStoreError(`S3 ${request.method} ${new URL(request.url).host}: ${result.code}: ${result.reason}`);
    const { status, headers: answered, body: bytes } = result.response;
    const empty = request.method === "HEAD" || status === 204 || status === 304;
    return new Response(empty ? null : (bytes as Uint8Array<ArrayBuffer>), { status, headers: answered });
  };
}

const RETRIES = 10;
const RETRY_BASE_MS = 50;
const META_PREFIX = "x-amz-meta-";
/** Deletes in flight at once (one DELETE per key: DeleteObjects needs a Content-MD5 body checksum). */
const DELETE_CONCURRENCY = 8;

export class S3ObjectStore implements ObjectStore {
  private readonly client: AwsClient;
  private readonly base: string;

  private readonly sendRequest: S3Send;

  constructor(settings: S3Settings, send: S3Send = directS3Send) {
    this.sendRequest = send;
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
    let res = await this.sendRequest(await this.client.sign(url, init));
    // As AwsClient.fetch did: 5xx and 429 are retried with jittered exponential backoff.
    for (let i = 0; i < RETRIES && (res.status >= 500 || res.status === 429); i++) {
      await res.body?.cancel().catch(() => undefined);
      await new Promise((r) => setTimeout(r, Math.random() * RETRY_BASE_MS * 2 ** i));
      res = await this.sendRequest(await this.client.sign(url, init));
    }
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
