// Retries with exponential backoff and full jitter ("Exponential Backoff And Jitter", AWS
// Architecture Blog, 2015): attempt n waits a uniform random time in [0, min(max, initial * 2^n)],
// which spreads clients that failed together instead of having them retry in lockstep. A broker's
// Retry-After (429) is a floor: asking again earlier would only be refused again.
import { abortedError, EdgebrokerError, isRetriable } from "./errors.ts";

export interface RetryOptions {
  /** Retries after the first attempt (default 5; 0 disables retrying). */
  retries?: number;
  /** The backoff cap of the first retry, in ms (default 100). */
  initialBackoffMs?: number;
  /** The largest backoff cap, in ms (default 10000). */
  maxBackoffMs?: number;
}

export const RETRY_DEFAULTS: Required<RetryOptions> = { retries: 5, initialBackoffMs: 100, maxBackoffMs: 10_000 };

export function retrySettings(opts: RetryOptions | undefined): Required<RetryOptions> {
  const s = { ...RETRY_DEFAULTS, ...opts };
  for (const [name, v] of Object.entries(s)) {
    if (!Number.isFinite(v) || v < 0)
      throw new EdgebrokerError("invalid_argument", `retry.${name}: expected a number >= 0, got ${v}`, { retriable: false });
  }
  return s;
}

/** How long to wait before retry number `attempt` (0 = the first retry). */
export function backoffMs(attempt: number, s: Required<RetryOptions>, random: () => number = Math.random, retryAfterMs = 0): number {
  const cap = Math.min(s.maxBackoffMs, s.initialBackoffMs * 2 ** Math.min(attempt, 30));
  return Math.max(retryAfterMs, Math.floor(random() * cap));
}

/** Resolves after `ms`, or rejects with `aborted` as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal!.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retriable error, or the retries are used up
 * (then the last error is thrown). `onRetry` sees each retriable failure before the wait.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  s: Required<RetryOptions>,
  opts: { signal?: AbortSignal; onRetry?: (err: EdgebrokerError, n: number) => void } = {},
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!isRetriable(err) || n >= s.retries || opts.signal?.aborted) throw err;
      const e = err as EdgebrokerError;
      opts.onRetry?.(e, n);
      await sleep(backoffMs(n, s, Math.random, e.retryAfterMs ?? 0), opts.signal);
    }
  }
}
