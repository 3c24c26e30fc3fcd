// Backoff arithmetic and the retry loop: exponential caps, full jitter, Retry-After as a floor,
// and retrying only what is retriable.
import { describe, expect, it } from "vitest";
import { EdgebrokerError } from "./errors.ts";
import { backoffMs, retrySettings, withRetries } from "./retry.ts";

const s = { retries: 3, initialBackoffMs: 100, maxBackoffMs: 1000 };

describe("backoffMs", () => {
  it("draws uniformly below a cap that doubles per attempt up to the maximum", () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffMs(n, s, top))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffMs(5, s, () => 0)).toBe(0);
    expect(backoffMs(2, s, () => 0.5)).toBe(200);
  });

  it("never waits less than the broker's Retry-After", () => {
    expect(backoffMs(0, s, () => 0, 1500)).toBe(1500);
    expect(backoffMs(3, s, () => 0.999, 10)).toBe(799);
  });

  it("stays finite for attempts far past the cap", () => {
    expect(backoffMs(10_000, s, () => 0.5)).toBe(500);
  });
});

describe("withRetries", () => {
  const fast = { retries: 3, initialBackoffMs: 1, maxBackoffMs: 2 };

  it("retries retriable errors and returns the first success", async () => {
    let calls = 0;
    const result = await withRetries(async () => {
      calls++;
      if (calls < 3) throw new EdgebrokerError("network_error", "down");
      return "ok";
    }, fast);
    expect(result).toBe("ok");
    expect(calls).toBe(3);
  });

  it("gives up after the configured retries with the last error", async () => {
    let calls = 0;
    const failing = withRetries(async () => {
      calls++;
      throw new EdgebrokerError("rate_limited", `attempt ${calls}`, { status: 429 });
    }, fast);
    await expect(failing).rejects.toMatchObject({ code: "rate_limited", message: "attempt 4" });
    expect(calls).toBe(4);
  });

  it("does not retry a non-retriable error", async () => {
    let calls = 0;
    await expect(
      withRetries(async () => {
        calls++;
        throw new EdgebrokerError("invalid_record", "bad", { status: 400 });
      }, fast),
    ).rejects.toMatchObject({ code: "invalid_record", retriable: false });
    expect(calls).toBe(1);
  });

  it("stops waiting when aborted", async () => {
    const controller = new AbortController();
    const slow = { retries: 5, initialBackoffMs: 60_000, maxBackoffMs: 60_000 };
    const running = withRetries(
      async () => {
        throw new EdgebrokerError("internal", "boom", { status: 500 });
      },
      slow,
      { signal: controller.signal, onRetry: () => queueMicrotask(() => controller.abort()) },
    );
    await expect(running).rejects.toMatchObject({ code: "aborted" });
  });

  it("refuses nonsense settings", () => {
    expect(() => retrySettings({ retries: -1 })).toThrow(/retry.retries/);
    expect(retrySettings({ retries: 0 })).toEqual({ retries: 0, initialBackoffMs: 100, maxBackoffMs: 10_000 });
  });
});
