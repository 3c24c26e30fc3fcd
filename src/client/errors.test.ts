// Mapping answers to EdgebrokerError: the broker's code, status and extra fields, Retry-After, and
// answers that did not come from the broker at all.
import { describe, expect, it } from "vitest";
import { EdgebrokerError, errorFromResponse, isRetriable } from "./errors.ts";

function answer(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

describe("errorFromResponse", () => {
  it("keeps the broker's code, message, status and extra fields", () => {
    const body = { error: { code: "out_of_order_sequence", message: "expected sequence 4, got 9", expected_sequence: 4 } };
    const err = errorFromResponse(answer(409, body), body);
    expect(err).toBeInstanceOf(EdgebrokerError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      code: "out_of_order_sequence",
      status: 409,
      retriable: false,
      message: "expected sequence 4, got 9",
      details: { expected_sequence: 4 },
    });
  });

  it("marks quota refusals retriable with the broker's wait", () => {
    const body = { error: { code: "rate_limited", message: "slow down" } };
    expect(errorFromResponse(answer(429, body, { "retry-after": "2" }), body)).toMatchObject({ retriable: true, retryAfterMs: 2000 });
    const withMs = { error: { code: "rate_limited", message: "slow down", retry_after_ms: 350 } };
    expect(errorFromResponse(answer(429, withMs), withMs).retryAfterMs).toBe(350);
  });

  it("follows the broker's table: transient failures retriable, validation and auth never", () => {
    const codes: Array<[number, string, boolean]> = [
      [400, "invalid_record", false],
      [401, "unauthorized", false],
      [403, "forbidden", false],
      [404, "topic_not_found", false],
      [409, "producer_fenced", false],
      [409, "stale_epoch", false],
      [413, "payload_too_large", false],
      [416, "offset_out_of_range", false],
      [429, "rate_limited", true],
      [500, "internal", true],
      [500, "corrupt_log", false],
      [503, "stale_metadata", true],
      [503, "not_configured", false],
    ];
    for (const [status, code, retriable] of codes) {
      const body = { error: { code, message: "m" } };
      expect(isRetriable(errorFromResponse(answer(status, body), body)), code).toBe(retriable);
    }
  });

  it("treats a gateway's 502 without the broker's error body as a retriable http_error", () => {
    const err = errorFromResponse(new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" }), undefined);
    expect(err).toMatchObject({ code: "http_error", status: 502, retriable: true });
    expect(err.message).toMatch(/502/);
  });

  it("does not retry a 404 from something that is not the broker", () => {
    const err = errorFromResponse(new Response("not here", { status: 404 }), undefined);
    expect(err).toMatchObject({ code: "unexpected_response", status: 404, retriable: false });
  });
});
