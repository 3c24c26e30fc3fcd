// After an append to a stream that subscriptions may cover: tell the subscriptions object, then
// deliver the wakes it starts. Whether any subscription exists is cached per process for a
// moment, so streams nobody subscribes to cost no extra call on the append path.
import type { Context } from "hono";
import type { DsAppended } from "../../core/streams/types.ts";
import type { WakeNotice } from "../../core/streams/subscriptions.ts";
import type { OutboundFetch } from "../../core/outbound/outbound-fetch.ts";
import type { OutboundPolicy } from "../../core/outbound/address-policy.ts";
import type { StreamStore } from "./store.ts";
import { sign, wakeStreams } from "./webhooks.ts";

const ANY_TTL_MS = 2_000;

export interface WakeDelivery {
  /** EDGEBROKER_PUBLIC_URL: callback URLs are built from it, never from a request's Host header. */
  publicUrl: string | undefined;
  outbound: OutboundFetch;
  policy: OutboundPolicy;
}

export class Wakes {
  private readonly store: StreamStore;
  private readonly delivery: WakeDelivery;
  private any: { value: boolean; at: number } | undefined;

  constructor(store: StreamStore, delivery: WakeDelivery) {
    this.store = store;
    this.delivery = delivery;
  }

  /** A subscription was created here: notify from now on without waiting for the cache. */
  created(): void {
    this.any = { value: true, at: Date.now() };
  }

  private async anySubscriptions(): Promise<boolean> {
    if (this.any && Date.now() - this.any.at < ANY_TTL_MS) return this.any.value;
    const result = await this.store.subs({ action: "any" });
    this.any = { value: result.ok && result.any === true, at: Date.now() };
    return this.any.value;
  }

  /** Runs after the answer where the host allows (Workers' waitUntil), else in the background. */
  appended(c: Context, path: string, from: number, tail: number): void {
    if (tail <= from) return;
    const work = this.notify(path, from, tail).catch((err) => console.error("edgebroker: subscription wake failed", err));
    try {
      c.executionCtx.waitUntil(work);
    } catch {
      // No execution context (standalone hosts): the promise runs on by itself.
    }
  }

  private async notify(path: string, from: number, tail: number): Promise<void> {
    if (!(await this.anySubscriptions())) return;
    const result = await this.store.subs({ action: "appended", path, from, tail });
    if (result.ok) await this.deliver(result.wakes ?? []);
  }

  async deliver(wakes: WakeNotice[]): Promise<void> {
    await Promise.all(wakes.map((w) => (w.webhookUrl ? this.webhook(w) : this.pullWake(w))));
  }

  /**
   * One signed POST through the outbound policy. A refusal, a network error, a redirect or a
   * non-2xx answer is a failed delivery: nothing is acknowledged and the wake's lease runs out,
   * so it is offered again (PROTOCOL.md 6.4).
   */
  private async webhook(wake: WakeNotice): Promise<void> {
    const { publicUrl, outbound, policy } = this.delivery;
    if (publicUrl === undefined) {
      console.error(
        "edgebroker: webhook not delivered: EDGEBROKER_PUBLIC_URL is not set, so there is no callback URL to give the receiver",
      );
      return;
    }
    const base = `${publicUrl}/ds/${wake.root}__ds/subscriptions/${encodeURIComponent(wake.subscriptionId)}`;
    const body = JSON.stringify({
      subscription_id: wake.subscriptionId,
      wake_id: wake.wakeId,
      generation: wake.generation,
      callback_url: `${base}/callback`,
      callback_token: wake.token,
      streams: wakeStreams(wake),
    });
    const key = await this.store.signingKey();
    const sent = await outbound(
      wake.webhookUrl!,
      {
        method: "POST",
        headers: { "content-type": "application/json", "webhook-signature": await sign(key, body, Date.now()) },
        body,
      },
      policy,
    );
    if (!sent.ok) {
      console.error(`edgebroker: webhook for subscription ${wake.subscriptionId} not delivered (${sent.code}): ${sent.reason}`);
      return;
    }
    const res = sent.response;
    let answer: { done?: unknown } = {};
    try {
      answer = JSON.parse(new TextDecoder().decode(res.body)) as { done?: unknown };
    } catch {
      // Not JSON: no synchronous acknowledgement.
    }
    // A synchronous `done` acknowledges everything the wake named.
    if (res.status >= 200 && res.status < 300 && answer?.done === true) {
      const acked = await this.store.subs({
        action: "ack",
        root: wake.root,
        id: wake.subscriptionId,
        token: wake.token,
        wakeId: wake.wakeId,
        generation: wake.generation,
        acks: wake.streams.map((s) => ({ stream: s.path, offset: s.tail })),
        done: true,
      });
      if (acked.ok && acked.wakes?.length) await this.deliver(acked.wakes);
    }
  }

  private async pullWake(wake: WakeNotice): Promise<void> {
    const path = `${wake.root}${wake.wakeStream}`;
    const event = JSON.stringify({
      subscription_id: wake.subscriptionId,
      wake_id: wake.wakeId,
      generation: wake.generation,
      streams: wakeStreams(wake),
    });
    await this.store.call<DsAppended>(path, (t) => ({
      op: "append",
      topic: t.name,
      partition: 0,
      epoch: t.epoch,
      path,
      contentType: "application/json",
      messages: [new TextEncoder().encode(event)],
      close: false,
    }));
  }
}
