// The one place the SDK talks HTTP: URL building, auth, body encoding (MessagePack or JSON),
// timeouts and cancellation, and turning failures into EdgebrokerError. Only fetch, URL,
// AbortController and TextEncoder are used, so it runs unchanged on Workers, browsers, Node, Bun
// and Deno.
import { decode, encode } from "@msgpack/msgpack";
import { abortedError, EdgebrokerError, errorFromResponse, invalidArgument, networkError } from "./errors.ts";
import { retrySettings, withRetries, type RetryOptions } from "./retry.ts";
import type { ClientOptions, Encoding, FetchLike } from "./types.ts";

const MEDIA = { json: "application/json", msgpack: "application/msgpack" } as const;
const DEFAULT_TIMEOUT_MS = 30_000;

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Added to the request timeout (a long poll's wait). */
  waitMs?: number;
  /** Overrides the client's encoding for this request. */
  encoding?: Encoding;
  /**
   * Retry retriable failures (default true). Off where the caller handles retries itself;
   * "refused" retries only answers that say nothing was done (429), for calls that are not
   * idempotent (creating a key twice would lose the first secret).
   */
  retry?: boolean | "refused";
}

export interface HttpAnswer<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** An AbortSignal that fires when `parent` fires or after `ms`; `clear` drops the timer. */
function deadline(parent: AbortSignal | undefined, ms: number): { signal: AbortSignal; timedOut: () => boolean; clear: () => void } {
  const controller = new AbortController();
  let expired = false;
  const onAbort = () => controller.abort(parent!.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => {
    expired = true;
    controller.abort();
  }, ms);
  return {
    signal: controller.signal,
    timedOut: () => expired,
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onAbort);
    },
  };
}

export class HttpClient {
  readonly encoding: Encoding;
  readonly retry: Required<RetryOptions>;
  private readonly base: string;
  private readonly token: string | undefined;
  private readonly fetchImpl: FetchLike;
  private readonly timeoutMs: number;

  constructor(opts: ClientOptions) {
    if (!opts || typeof opts.url !== "string") throw invalidArgument("url: required, e.g. http://127.0.0.1:8787");
    let parsed: URL;
    try {
      parsed = new URL(opts.url);
    } catch {
      throw invalidArgument(`url: ${JSON.stringify(opts.url)} is not a URL (expected e.g. http://127.0.0.1:8787)`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
      throw invalidArgument(`url: expected http:// or https://, got ${JSON.stringify(opts.url)}`);
    if (opts.encoding !== undefined && opts.encoding !== "msgpack" && opts.encoding !== "json")
      throw invalidArgument(`encoding: expected "msgpack" or "json", got ${JSON.stringify(opts.encoding)}`);
    this.base = opts.url.replace(/\/+$/, "");
    this.token = opts.token;
    // Bound to globalThis: Workers refuse a fetch called with another `this`.
    this.fetchImpl = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.encoding = opts.encoding ?? "msgpack";
    this.retry = retrySettings(opts.retry);
    this.timeoutMs = opts.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  url(path: string, query?: RequestOptions["query"]): string {
    let url = this.base + path;
    const params = Object.entries(query ?? {}).filter(([, v]) => v !== undefined);
    if (params.length) url += "?" + params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join("&");
    return url;
  }

  /** One request, retried on retriable failures (unless `retry: false`). */
  request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<HttpAnswer<T>> {
    if (opts.retry === false) return this.once<T>(method, path, opts);
    const attempt =
      opts.retry === "refused"
        ? () =>
            this.once<T>(method, path, opts).catch((err: unknown) => {
              throw err instanceof EdgebrokerError && err.retriable && err.status !== 429
                ? new EdgebrokerError(err.code, err.message, { status: err.status, retriable: false, details: err.details, cause: err })
                : err;
            })
        : () => this.once<T>(method, path, opts);
    return withRetries(attempt, this.retry, { signal: opts.signal });
  }

  /** Exactly one attempt. */
  async once<T>(method: string, path: string, opts: RequestOptions = {}): Promise<HttpAnswer<T>> {
    if (opts.signal?.aborted) throw abortedError(opts.signal.reason);
    const encoding = opts.encoding ?? this.encoding;
    const headers: Record<string, string> = { accept: MEDIA[encoding], ...opts.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let body: BodyInit | undefined;
    if (opts.body !== undefined) {
      headers["content-type"] = MEDIA[encoding];
      body = encoding === "msgpack" ? (encode(opts.body, { ignoreUndefined: true }) as Uint8Array<ArrayBuffer>) : JSON.stringify(opts.body);
    }
    const timer = deadline(opts.signal, this.timeoutMs + (opts.waitMs ?? 0));
    try {
      let response: Response;
      try {
        response = await this.fetchImpl(this.url(path, opts.query), { method, headers, body, signal: timer.signal });
      } catch (err) {
        throw this.failure(err, timer.timedOut(), opts.signal);
      }
      let decoded: unknown;
      try {
        decoded = await this.decodeBody(response);
      } catch (err) {
        if (timer.timedOut() || opts.signal?.aborted) throw this.failure(err, timer.timedOut(), opts.signal);
        if (!response.ok) decoded = undefined;
        else
          throw new EdgebrokerError(
            "unexpected_response",
            `the broker's answer to ${method} ${path} could not be decoded: ${(err as Error).message}`,
            { status: response.status, retriable: false },
          );
      }
      if (!response.ok) throw errorFromResponse(response, decoded);
      return { status: response.status, body: decoded as T, headers: response.headers };
    } finally {
      timer.clear();
    }
  }

  private failure(err: unknown, timedOut: boolean, signal: AbortSignal | undefined): EdgebrokerError {
    if (err instanceof EdgebrokerError) return err;
    if (timedOut) return new EdgebrokerError("timeout", `no answer from the broker within ${this.timeoutMs} ms`, { cause: err });
    if (signal?.aborted) return abortedError(signal.reason);
    return networkError(err);
  }

  private async decodeBody(response: Response): Promise<unknown> {
    if (response.status === 204) return undefined;
    const type = (response.headers.get("content-type") ?? "").toLowerCase();
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length === 0) return undefined;
    if (type.includes("msgpack")) return decode(bytes);
    if (type.includes("json")) return JSON.parse(new TextDecoder().decode(bytes));
    return bytes;
  }
}

/** Path segments (topic, group, member, key id) are user input: always encoded. */
export const seg = (s: string | number): string => encodeURIComponent(String(s));
