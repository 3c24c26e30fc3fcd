// Every failure the SDK reports is an EdgebrokerError: the broker's own error code and status when
// the broker answered, or a client-side code (network_error, timeout, aborted, closed, ...) when it
// did not. `retriable` says whether sending the same request again may succeed; the producer and
// consumer retry only those, with backoff (retry.ts).

/**
 * Codes worth retrying. Broker codes follow the broker's table (src/core/errors.ts): a quota
 * (rate_limited, with Retry-After), a topic being recreated under the request (stale_metadata), an
 * unexpected broker failure (internal). Everything else the broker says is final: validation,
 * auth, fencing and sequence errors do not change by asking again.
 */
const RETRIABLE = new Set([
  "rate_limited",
  "stale_metadata",
  "internal",
  "network_error",
  "timeout",
  "http_error",
  // The transactional id's previous transaction is still writing its markers (Kafka's CONCURRENT_TRANSACTIONS).
  "concurrent_transactions",
]);

export class EdgebrokerError extends Error {
  /** The broker's `error.code` (stable snake_case), or a client code: network_error, timeout, aborted, closed, invalid_argument, http_error. */
  readonly code: string;
  /** The HTTP status; 0 when no answer arrived (network failure, abort, client-side checks). */
  readonly status: number;
  readonly retriable: boolean;
  /** The error object's other fields (e.g. `expected_sequence`, `start_offset`, `member_epoch`). */
  readonly details?: Record<string, unknown>;
  /** From `Retry-After` / `retry_after_ms` on a 429: how long the broker asked to wait. */
  readonly retryAfterMs?: number;

  constructor(
    code: string,
    message: string,
    opts: { status?: number; retriable?: boolean; details?: Record<string, unknown>; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "EdgebrokerError";
    this.code = code;
    this.status = opts.status ?? 0;
    this.retriable = opts.retriable ?? RETRIABLE.has(code);
    if (opts.details !== undefined) this.details = opts.details;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
  }
}

/**
 * The producer was fenced (code `producer_fenced`): a newer producer initialised the same
 * transactional id or name, or the broker aborted its transaction after
 * `transaction_timeout_ms`. Nothing more can be sent with it; create a new Producer.
 */
export class ProducerFencedError extends EdgebrokerError {
  constructor(message: string, opts: { status?: number; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super("producer_fenced", message, { ...opts, retriable: false });
    this.name = "ProducerFencedError";
  }
}

export function isRetriable(err: unknown): boolean {
  return err instanceof EdgebrokerError && err.retriable;
}

/** The request did not reach the broker or its answer did not come back (DNS, refused, reset). */
export function networkError(cause: unknown): EdgebrokerError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new EdgebrokerError("network_error", `the broker could not be reached: ${reason}`, { cause });
}

export function abortedError(reason?: unknown): EdgebrokerError {
  const why = reason instanceof Error && reason.name !== "AbortError" ? `: ${reason.message}` : "";
  return new EdgebrokerError("aborted", `the operation was aborted${why}`, { retriable: false, cause: reason });
}

export function closedError(what: string): EdgebrokerError {
  return new EdgebrokerError("closed", `the ${what} is closed`, { retriable: false });
}

export function invalidArgument(message: string): EdgebrokerError {
  return new EdgebrokerError("invalid_argument", message, { retriable: false });
}

function retryAfter(response: Response, details: Record<string, unknown>): number | undefined {
  if (typeof details.retry_after_ms === "number") return details.retry_after_ms;
  const header = response.headers.get("retry-after");
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Turns a non-2xx answer into an EdgebrokerError; `body` is the decoded body, if it decoded. */
export function errorFromResponse(response: Response, body: unknown): EdgebrokerError {
  const error = (body as { error?: unknown } | null | undefined)?.error;
  if (error && typeof error === "object" && typeof (error as { code?: unknown }).code === "string") {
    const { code, message, ...details } = error as { code: string; message?: unknown } & Record<string, unknown>;
    const text = typeof message === "string" ? message : `the broker answered ${response.status} ${code}`;
    if (code === "producer_fenced") return new ProducerFencedError(text, { status: response.status, details });
    return new EdgebrokerError(code, text, { status: response.status, details, retryAfterMs: retryAfter(response, details) });
  }
  // Not the broker's error shape: a proxy, a load balancer or a wrong URL answered.
  const retriable = response.status >= 500 || response.status === 429 || response.status === 408;
  return new EdgebrokerError(
    retriable ? "http_error" : "unexpected_response",
    `HTTP ${response.status} ${response.statusText} from ${response.url || "the broker"}, without an edgebroker error body (is the URL right?)`,
    {
      status: response.status,
      retriable,
      retryAfterMs: retryAfter(response, {}),
    },
  );
}
