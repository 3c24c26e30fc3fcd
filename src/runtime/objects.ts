// The object kinds the actor host runs, and their classes: the local counterparts of the Durable
// Object classes in src/worker/, just as thin — each owns its storage and hands every call to the
// same portable core class. Adding a kind (consumer groups) is one entry in `objectKinds`.
import type { Failure } from "../core/errors.ts";
import type { Grant } from "../core/grants.ts";
import { KeyRegistry, type KeyListing, type KeyResult } from "../core/key-registry.ts";
import { KeyStore, type Quotas, type VerifyResult } from "../core/key-store.ts";
import type { LogCore } from "../core/log-core.ts";
import { PartitionLog } from "../core/partition-log.ts";
import type {
  AppendRequest, AppendResult, PartitionAddress, ReadRequest, ReadResult, StatsResult,
} from "../core/partition-types.ts";
import { ProducerRegistry, type ProducerIdResult } from "../core/producer-registry.ts";
import type { TopicConfig } from "../core/topic-config.ts";
import { TopicRegistry, type CreateTopicRequest, type TopicInfo, type TopicResult } from "../core/topic-registry.ts";
import type { ActorFactory, ActorState } from "./actor-host.ts";
import type { ServerConfig } from "./config.ts";

export interface ObjectEnv {
  config: ServerConfig;
  logCore(): Promise<LogCore>;
}

/** One per partition, named "<topic>/<partition>" (src/worker/partition-object.ts). */
export class PartitionActor {
  private log!: PartitionLog;

  constructor(state: ActorState, env: ObjectEnv) {
    void state.blockConcurrencyWhile(async () => {
      this.log = PartitionLog.open(state.storage, await env.logCore(), {
        producerExpirationMs: env.config.producerExpirationMs,
        alarms: { setAlarm: (at) => void state.storage.setAlarm(at) },
      });
    });
  }

  append(req: AppendRequest): Promise<AppendResult> {
    return this.log.append(req);
  }

  read(req: ReadRequest): Promise<ReadResult> {
    return this.log.read(req);
  }

  stats(addr: PartitionAddress): StatsResult {
    return this.log.stats(addr);
  }

  drop(addr: PartitionAddress): { ok: true } {
    return this.log.drop(addr);
  }

  configure(addr: PartitionAddress, config: TopicConfig): { ok: true } | Failure {
    return this.log.configure(addr, config);
  }

  deleteRecords(addr: PartitionAddress, before: number): { ok: true; start_offset: number } | Failure {
    return this.log.deleteRecords(addr, before);
  }

  offsetForTimestamp(addr: PartitionAddress, timestamp: number): { ok: true; offset: number; timestamp: number | null } | Failure {
    return this.log.offsetForTimestamp(addr, timestamp);
  }

  alarm(): void {
    this.log.maintain();
  }
}

/** The single cluster object, named "cluster" (src/worker/cluster-object.ts). */
export class ClusterActor {
  private readonly registry: TopicRegistry;
  private readonly producers: ProducerRegistry;
  private readonly keys: KeyRegistry;

  constructor(state: ActorState, env: ObjectEnv) {
    this.registry = new TopicRegistry(state.storage, env.config.limits);
    this.producers = new ProducerRegistry(state.storage);
    this.keys = new KeyRegistry(state.storage);
  }

  createTopic(req: CreateTopicRequest): TopicResult {
    return this.registry.create(req);
  }

  listTopics(): TopicInfo[] {
    return this.registry.list();
  }

  describeTopic(name: string): TopicResult {
    return this.registry.describe(name);
  }

  deleteTopic(name: string): TopicResult {
    return this.registry.delete(name);
  }

  updateTopicConfig(name: string, config: TopicConfig): TopicResult {
    return this.registry.updateConfig(name, config);
  }

  initProducer(name?: string): ProducerIdResult {
    return this.producers.init(name);
  }

  registerKey(key: KeyListing): { ok: true } {
    return this.keys.register(key);
  }

  listKeys(): KeyListing[] {
    return this.keys.list();
  }

  getKey(id: string): KeyResult {
    return this.keys.get(id);
  }

  markKey(id: string, field: "rotated_at" | "revoked_at", at: number): KeyResult {
    return this.keys.mark(id, field, at);
  }
}

/** One per API key, named by the key id (src/worker/key-object.ts). */
export class KeyActor {
  private readonly store: KeyStore;

  constructor(state: ActorState) {
    this.store = new KeyStore(state.storage);
  }

  create(key: { id: string; name: string; grants: Grant[]; quotas: Quotas; secret: string }): Promise<{ ok: true } | Failure> {
    return this.store.create(key);
  }

  verify(secret: string, bytes: number): Promise<VerifyResult> {
    return this.store.verify(secret, bytes);
  }

  charge(bytes: number): void {
    this.store.charge(bytes);
  }

  rotate(secret: string, graceMs: number): Promise<{ ok: true; rotated_at: number } | Failure> {
    return this.store.rotate(secret, graceMs);
  }

  revoke(): { ok: true } | Failure {
    return this.store.revoke();
  }
}

/** Kind → factory. The kind is also the data directory's subfolder for that kind's databases. */
export function objectKinds(env: ObjectEnv): Record<string, ActorFactory> {
  return {
    partition: (state) => new PartitionActor(state, env),
    cluster: (state) => new ClusterActor(state, env),
    key: (state) => new KeyActor(state),
  };
}
