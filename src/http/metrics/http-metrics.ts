// The HTTP layer's metrics: request latencies, errors by code, quota refusals and live SSE tails of
// this process — a Worker isolate or a standalone server. Isolates are many and short-lived, and
// none can see another's memory, so each pushes its own deltas to the metrics object
// (src/core/metrics/) at most every interval, as a source named "process:<random id>"; the
// object sums them. On Workers a push after the answer runs inside waitUntil.
import type { Context, MiddlewareHandler } from "hono";
import { MetricsReporter, series, type Series } from "../../core/metrics/reporter.ts";
import type { Sample } from "../../core/metrics/types.ts";
import type { AppDeps } from "../deps.ts";
import { contextSlot } from "../context-slot.ts";

/** The default push interval (EDGEBROKER_METRICS_INTERVAL_MS). */
export const DEFAULT_METRICS_INTERVAL_MS = 10_000;

const contexts = contextSlot<HttpMetrics>("metrics");
const codes = contextSlot<string>("error code");

/** The error code a request was answered with (the body is not parsed again to find it). */
export function noteError(c: Context, code: string): void {
  codes.set(c, code);
}

/**
 * A stream body counted as a live tail of this process while it runs. While it is open the
 * process pushes at least every interval (its gauges expire at the metrics object otherwise).
 */
export function liveTail<S>(
  c: Context,
  transport: "sse" | "group_sse",
  topic: string,
  body: (stream: S) => Promise<void>,
): (stream: S) => Promise<void> {
  return async (stream) => {
    const metrics = contexts.get(c);
    if (!metrics) return body(stream);
    const key = `${transport}\u0000${topic}`;
    metrics.tails.set(key, (metrics.tails.get(key) ?? 0) + 1);
    metrics.touch(c);
    const keepAlive = setInterval(() => metrics.touch(c), metrics.intervalMs);
    try {
      await body(stream);
    } finally {
      clearInterval(keepAlive);
      const n = (metrics.tails.get(key) ?? 1) - 1;
      if (n > 0) metrics.tails.set(key, n);
      else metrics.tails.delete(key);
      metrics.touch(c);
    }
  };
}

function routeOf(method: string, path: string): string {
  if (path === "/metrics") return "metrics";
  if (path.startsWith("/ds/") || path === "/ds") return "ds";
  if (/^\/v1\/topics\/[^/]+\/records$/.test(path) && method === "POST") return "produce";
  if (/^\/v1\/topics\/[^/]+\/partitions\/[^/]+\/records$/.test(path)) return "fetch";
  if (/^\/v1\/topics\/[^/]+\/partitions\/[^/]+\/(events|ws)$/.test(path)) return "tail";
  if (path.startsWith("/v1/groups")) return "group";
  if (path.startsWith("/v1/topics")) return "topic";
  if (path.startsWith("/v1/keys")) return "key";
  if (path.startsWith("/v1/producers")) return "producer";
  return "other";
}

export class HttpMetrics {
  readonly reporter: MetricsReporter;
  /** transport \0 topic → open streams. */
  readonly tails = new Map<string, number>();
  private readonly now: () => number;
  readonly intervalMs: number;

  constructor(deps: AppDeps) {
    this.now = deps.now ?? Date.now;
    this.intervalMs = deps.metricsIntervalMs ?? DEFAULT_METRICS_INTERVAL_MS;
    const metrics = deps.metrics;
    const id = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
    this.reporter = new MetricsReporter(metrics ? `process:${id}` : undefined, {
      sink: (push) => metrics!().push(push),
      intervalMs: this.intervalMs,
      gauges: () => this.gauges(deps),
    });
  }

  private gauges(deps: AppDeps): Sample[] {
    const out: Sample[] = [];
    for (const [key, value] of this.tails) {
      const [transport, topic] = key.split("\u0000") as [string, string];
      out.push({ name: "edgebroker_tail_subscribers", labels: { transport, topic }, value });
    }
    for (const [topic, value] of deps.localTails?.tails.byTopic() ?? []) {
      out.push({ name: "edgebroker_tail_subscribers", labels: { transport: "websocket", topic }, value });
    }
    return out;
  }

  /** Schedules a push; on Workers the request's waitUntil carries it past the answer. */
  touch(c: Context): void {
    const pushing = this.reporter.changed();
    if (!pushing) return;
    try {
      c.executionCtx.waitUntil(pushing);
    } catch {
      // No execution context (standalone hosts): the promise runs on by itself.
    }
  }

  /** First in the chain: times every request and counts its outcome. */
  middleware(): MiddlewareHandler {
    // The series every request counts, named once: a request's bookkeeping is then a map look-up
    // per series, not a key written out with JSON.stringify (issue #20).
    const requests = new Map<string, Series>();
    const requestsOf = (route: string): Series => {
      let s = requests.get(route);
      if (!s) requests.set(route, (s = series("edgebroker_http_requests_total", { route })));
      return s;
    };
    const produceDuration = series("edgebroker_produce_duration_seconds", {});
    const longPoll = series("edgebroker_fetch_duration_seconds", { long_poll: "true" });
    const shortFetch = series("edgebroker_fetch_duration_seconds", { long_poll: "false" });
    return async (c, next) => {
      contexts.set(c, this);
      const started = this.now();
      await next();
      const route = routeOf(c.req.method, c.req.path);
      const seconds = (this.now() - started) / 1000;
      if (route === "produce") this.reporter.record(produceDuration, seconds);
      if (route === "fetch") {
        const wait = Number(c.req.query("wait_ms") ?? "0");
        this.reporter.record(wait > 0 ? longPoll : shortFetch, seconds);
      }
      this.reporter.add(requestsOf(route));
      if (c.res.status >= 400) {
        const code = codes.get(c) ?? `http_${c.res.status}`;
        this.reporter.count("edgebroker_errors_total", { code });
        if (code === "rate_limited") this.reporter.count("edgebroker_quota_refusals_total", {});
      }
      if (route !== "metrics") this.touch(c);
    };
  }
}
