// Streams as topics: finds (or creates) the single-partition topic of a stream path and sends the
// stream's partition object one `ds` call, retrying once when the topic was recreated meanwhile.
import { BrokerError, type Failure } from "../../core/errors.ts";
import type { DsRequest, DsResult } from "../../core/streams/types.ts";
import type { SigningKey, SubCall, SubResult } from "../../core/streams/subscriptions.ts";
import type { TopicInfo } from "../../core/topics/registry.ts";
import type { Context } from "hono";
import type { AppDeps } from "../deps.ts";
import { principalOf } from "../auth/principal.ts";
import type { TopicCache } from "../topics/topic-cache.ts";
import { topicForStream } from "./mapping.ts";

/** Streams keep their data until deleted or expired: no time or size retention on their topics. */
const STREAM_TOPIC_CONFIG = { "retention.ms": -1, "retention.bytes": -1 };

type Ok<T> = Exclude<T, Failure>;
type Build = (topic: TopicInfo) => DsRequest;

export class StreamStore {
  private readonly deps: AppDeps;
  private readonly topics: TopicCache;
  private key: SigningKey | undefined;

  constructor(deps: AppDeps, topics: TopicCache) {
    this.deps = deps;
    this.topics = topics;
  }

  topicName(path: string): Promise<string> {
    return topicForStream(path);
  }

  private async topic(name: string, path: string, fresh = false): Promise<TopicInfo> {
    try {
      return await this.topics.get(name, fresh);
    } catch (err) {
      if (err instanceof BrokerError && err.code === "topic_not_found")
        throw new BrokerError("stream_not_found", `stream "${path}" does not exist`);
      throw err;
    }
  }

  private send(topic: TopicInfo, build: Build): Promise<DsResult> {
    return this.deps.partition(topic.name, 0).ds(build(topic)) as Promise<DsResult>;
  }

  /** Names of the topics starting with `prefix` (subscription backfill). */
  async topicNames(prefix: string): Promise<string[]> {
    return (await this.deps.cluster().listTopics()).map((t) => t.name).filter((n) => n.startsWith(prefix));
  }

  /** Charges `bytes` to the calling key's byte-rate quota (admin and anonymous callers have none). */
  async chargeKey(c: Context, bytes: number): Promise<void> {
    const p = principalOf(c);
    if (p.kind === "key") await this.deps.key(p.id).charge(bytes);
  }

  /** A call to the one object holding every subscription. */
  subs(call: SubCall): Promise<SubResult> {
    return this.deps.subscriptions().handle(call);
  }

  async signingKey(): Promise<SigningKey> {
    if (this.key) return this.key;
    const result = await this.subs({ action: "signing-key" });
    if (!result.ok || !result.key) throw new BrokerError("internal", "the webhook signing key is not available");
    this.key = result.key;
    return result.key;
  }

  /** One operation on an existing stream; failures are thrown as BrokerErrors carrying their extras. */
  async call<T extends DsResult>(path: string, build: Build): Promise<Ok<T>> {
    const name = await this.topicName(path);
    let topic = await this.topic(name, path);
    let result = await this.send(topic, build);
    if (!result.ok && result.error.code === "topic_not_found") {
      topic = await this.topic(name, path, true);
      result = await this.send(topic, build);
      if (!result.ok && result.error.code === "topic_not_found")
        throw new BrokerError("stream_not_found", `stream "${path}" does not exist`);
    }
    if (!result.ok) {
      // An expired stream answers 404 and its topic goes (only that incarnation: a stream created
      // again at the path meanwhile stays). Best effort: a later request finds it expired again.
      if (result.error.expired) void this.dropIncarnation(name, topic.epoch).catch(() => undefined);
      throw BrokerError.from(result);
    }
    return result as Ok<T>;
  }

  /** The stream's topic, created when missing (PUT). */
  async ensureTopic(path: string): Promise<TopicInfo> {
    const name = await this.topicName(path);
    const created = await this.deps.cluster().createTopic({ name, partitions: 1, config: STREAM_TOPIC_CONFIG });
    if (created.ok) {
      this.topics.put(created.topic);
      return created.topic;
    }
    if (created.error.code !== "topic_exists") throw BrokerError.from(created);
    return this.topic(name, path, true);
  }

  /** Deletes the stream's topic (only incarnation `epoch` when given) and frees its partition's storage. */
  async dropTopic(path: string, epoch?: number): Promise<void> {
    await this.dropIncarnation(await this.topicName(path), epoch);
  }

  private async dropIncarnation(name: string, epoch?: number): Promise<void> {
    const deleted = await this.deps.cluster().deleteTopic(name, epoch);
    this.topics.forget(name);
    if (!deleted.ok) return;
    const t = deleted.topic;
    await this.deps.partition(t.name, 0).drop({ topic: t.name, partition: 0, epoch: t.epoch });
  }
}
