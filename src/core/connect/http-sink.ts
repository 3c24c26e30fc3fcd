// The HTTP sink: each batch of one partition's records is POSTed to `http.url` as one JSON
// document or as NDJSON (one record per line), signed after Standard Webhooks (signing.ts), with
// `Idempotency-Key` (= `webhook-id`) stable across every retry of the batch. The answer decides:
// 2xx delivered; 429, 408, 5xx and network failures/timeouts are retried (Retry-After honoured);
// any other answer, a redirect (never followed) or a refused address goes to the dead-letter topic.
import { checkOutboundUrl, type OutboundPolicy } from "../outbound/address-policy.ts";
import { ConfigProblem, type Fields } from "./config-fields.ts";
import type { DeliveryOutcome, KindContext, SinkBatch, SinkKind } from "./kinds.ts";
import { recordJson } from "./record-json.ts";
import { importEd25519, signatureHeaders, type Signer } from "./signing.ts";

export interface HttpSinkConfig {
  url: string;
  format: "json" | "ndjson";
  timeoutMs: number;
  authorization?: string;
  signer: Signer;
}

const SECRETS = ["http.authorization", "signing.secret", "signing.private.key"] as const;
const utf8 = new TextEncoder();

/** Retry-After in delta-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from now; capped at an hour. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - now;
  return Number.isFinite(seconds) ? Math.min(Math.max(0, seconds), 3_600_000) : undefined;
}

/** The policy's reasons name the Durable Streams opt-in; connectors have their own. */
export function loopbackHint(reason: string): string {
  return reason.replace("EDGEBROKER_DS_LOOPBACK_WEBHOOKS=1", "EDGEBROKER_CONNECT_LOOPBACK=1");
}

function body(config: HttpSinkConfig, connector: string, batch: SinkBatch): Uint8Array {
  const records = batch.records.map((r) => recordJson(batch.topic, batch.partition, r));
  if (config.format === "ndjson") return utf8.encode(records.map((r) => `${JSON.stringify(r)}\n`).join(""));
  return utf8.encode(
    JSON.stringify({
      connector,
      topic: batch.topic,
      partition: batch.partition,
      first_offset: batch.firstOffset,
      last_offset: batch.lastOffset,
      idempotency_key: batch.key,
      records,
    }),
  );
}

export const httpSink: SinkKind<HttpSinkConfig> = {
  type: "sink",
  secrets: SECRETS,

  async parse(f: Fields, policy: OutboundPolicy): Promise<HttpSinkConfig> {
    const url = f.required("http.url", "the URL batches are POSTed to");
    // The address checks the broker applies at every send, once up front too (names only; the
    // addresses a name resolves to are checked when sending). Loopback needs the broker's opt-in.
    const checked = checkOutboundUrl(url, policy);
    if (!checked.ok) throw new ConfigProblem(`http.url: ${loopbackHint(checked.reason)}`);
    const algorithm = f.oneOf("signing.algorithm", ["none", "hmac-sha256", "ed25519"] as const, "none");
    let signer: Signer = { kind: "none" };
    if (algorithm === "hmac-sha256") signer = { kind: "hmac-sha256", secret: f.required("signing.secret", "the HMAC key") };
    if (algorithm === "ed25519") {
      const key = await importEd25519(f.required("signing.private.key", "an Ed25519 private key, PKCS#8 PEM or base64"));
      if (!key) throw new ConfigProblem("signing.private.key: not an Ed25519 private key in PKCS#8 (PEM or base64)");
      signer = { kind: "ed25519", key };
    }
    if (algorithm !== "hmac-sha256") f.str("signing.secret");
    if (algorithm !== "ed25519") f.str("signing.private.key");
    return {
      url,
      format: f.oneOf("http.format", ["json", "ndjson"] as const, "json"),
      timeoutMs: f.int("http.timeout.ms", 10_000, 100, 120_000),
      authorization: f.str("http.authorization"),
      signer,
    };
  },

  async deliver(ctx: KindContext, config: HttpSinkConfig, batch: SinkBatch): Promise<DeliveryOutcome> {
    const payload = body(config, ctx.connector, batch);
    const headers: Record<string, string> = {
      "content-type": config.format === "ndjson" ? "application/x-ndjson" : "application/json",
      "user-agent": "edgebroker-connect",
      "idempotency-key": batch.key,
      "edgebroker-connector": ctx.connector,
      "edgebroker-attempt": String(batch.attempt),
      ...(await signatureHeaders(config.signer, batch.key, Math.floor(ctx.now() / 1000), payload)),
    };
    if (config.authorization) headers.authorization = config.authorization;
    const r = await ctx.outbound(
      config.url,
      { method: "POST", headers, body: payload, timeoutMs: config.timeoutMs, maxResponseBytes: 4096 },
      ctx.policy,
    );
    if (!r.ok) {
      // network: connect, TLS, DNS or the timeout; refused / redirect: retrying changes nothing.
      return { ok: false, retry: r.code === "network", reason: `${r.code}: ${loopbackHint(r.reason)}` };
    }
    const status = r.response.status;
    if (status >= 200 && status < 300) return { ok: true };
    const retry = status === 429 || status === 408 || status >= 500;
    return {
      ok: false,
      retry,
      status,
      reason: `answered ${status}`,
      retryAfterMs: retryAfterMs(r.response.headers["retry-after"], ctx.now()),
    };
  },
};
