// The group object's behaviour in one portable class, the counterpart of ClusterService: the
// coordinator of the group the object is named after, or — for the object named
// GROUP_REGISTRY_NAME — the registry of groups. Each part is created on first use, so a group's
// storage never holds the registry table and the registry's never holds group tables. The Durable
// Object (src/worker/group-object.ts) forwards its RPC methods here; a standalone host serves it as is.
import { fail, type Failure } from "./errors.ts";
import { GroupCoordinator, type GroupCoordinatorOptions } from "./group-coordinator.ts";
import { ClassicGroup } from "./groups/classic-group.ts";
import type {
  ClassicDescription, ClassicHeartbeatRequest, ClassicJoinRequest, ClassicJoinResult, ClassicLeaveRequest, ClassicLeaveResult,
  ClassicSyncRequest, ClassicSyncResult, KafkaCommitRequest, KafkaCommitResult, KafkaDeleteOffsetsResult, KafkaOffsets,
} from "./groups/classic-types.ts";
import { AlarmSlots } from "./groups/alarm-slots.ts";
import { KafkaGroupPart } from "./groups/kafka-group-part.ts";
import { GroupRegistry } from "./group-registry.ts";
import type {
  AdvanceRequest, CommitRequest, CommittedOffset, GroupApi, GroupDescription, HeartbeatRequest, JoinRequest, MembershipResult,
  ResetOffset, ResetRequest, TopicMap,
} from "./group-types.ts";
import type { StoragePort } from "./storage-port.ts";

// The object's methods answer at once, except JoinGroup/SyncGroup, which wait for the rebalance.
type Sync<T> = { [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R | Promise<R> : T[K] };

export interface GroupServiceOptions extends GroupCoordinatorOptions {
  /** Kafka's group.initial.rebalance.delay.ms for classic groups (default 3000). */
  initialRebalanceDelayMs?: number;
}

export class GroupService implements Sync<GroupApi> {
  private readonly storage: StoragePort;
  private readonly options: GroupServiceOptions;
  private readonly alarms: AlarmSlots;
  private coordinatorPart: GroupCoordinator | undefined;
  private kafkaPart: KafkaGroupPart | undefined;
  private registryPart: GroupRegistry | undefined;

  constructor(storage: StoragePort, options: GroupServiceOptions = {}) {
    this.storage = storage;
    this.options = options;
    // One object alarm serves both protocols' deadlines.
    this.alarms = new AlarmSlots(options.alarms);
  }

  // The HTTP (server-side assignment) part and the classic part share the group's tables, so
  // both are created together.
  private get coordinator(): GroupCoordinator {
    return this.parts().coordinator;
  }

  private get kafka(): KafkaGroupPart {
    return this.parts().kafka;
  }

  private parts(): { coordinator: GroupCoordinator; kafka: KafkaGroupPart } {
    if (!this.coordinatorPart) {
      const now = this.options.now ?? Date.now;
      const coordinator = new GroupCoordinator(this.storage, {
        ...this.options,
        alarms: this.alarms.slot("http"),
        refuseJoin: () => this.kafkaPart?.classic.active
          ? fail("inconsistent_group_protocol", "the group's members are Kafka consumers (classic protocol, client-side assignment); HTTP members can join once they have left")
          : undefined,
      });
      const wake = this.alarms.slot("classic");
      const classic = new ClassicGroup(coordinator.state, {
        now, newId: () => crypto.randomUUID(), initialRebalanceDelayMs: this.options.initialRebalanceDelayMs,
        wake: (at) => (at === undefined ? wake.deleteAlarm() : wake.setAlarm(at)),
      });
      this.coordinatorPart = coordinator;
      this.kafkaPart = new KafkaGroupPart(coordinator, classic, now);
    }
    return { coordinator: this.coordinatorPart, kafka: this.kafkaPart! };
  }

  private get registry(): GroupRegistry {
    return (this.registryPart ??= new GroupRegistry(this.storage, this.options.now));
  }

  join(group: string, req: JoinRequest): MembershipResult & { created?: boolean } {
    return this.coordinator.join(group, req);
  }

  heartbeat(group: string, req: HeartbeatRequest): MembershipResult {
    return this.coordinator.heartbeat(group, req);
  }

  updateTopics(group: string, req: HeartbeatRequest & { resolved: TopicMap }): MembershipResult {
    return this.coordinator.updateTopics(group, req);
  }

  advance(group: string, req: AdvanceRequest): { ok: true; accepted: boolean[] } | Failure {
    return this.coordinator.advance(group, req);
  }

  commit(group: string, req: CommitRequest): { ok: true; offsets: CommittedOffset[] } | Failure {
    return this.coordinator.commit(group, req);
  }

  leave(group: string, memberId: string): { ok: true } | Failure {
    return this.coordinator.leave(group, memberId);
  }

  describe(group: string): GroupDescription | Failure {
    return this.kafka.describeAll(group);
  }

  resetOffsets(group: string, req: ResetRequest): { ok: true; offsets: ResetOffset[] } | Failure {
    const busy = this.kafka.busy(group, req.force);
    return busy ?? this.coordinator.resetOffsets(group, req);
  }

  deleteGroup(group: string): { ok: true } | Failure {
    const busy = this.kafka.busy(group, false);
    if (busy) return busy;
    const done = this.coordinator.deleteGroup(group);
    if (done.ok) this.kafka.classic.wipe();
    return done;
  }

  // ---- Kafka protocol (src/kafka/groups/) ----

  kafkaJoin(group: string, req: ClassicJoinRequest): ClassicJoinResult | Promise<ClassicJoinResult> {
    return this.kafka.classic.join(group, req);
  }

  kafkaSync(group: string, req: ClassicSyncRequest): ClassicSyncResult | Promise<ClassicSyncResult> {
    return this.kafka.classic.sync(group, req);
  }

  kafkaHeartbeat(group: string, req: ClassicHeartbeatRequest): { error: ClassicJoinResult["error"] } {
    return { error: this.kafka.classic.heartbeat(group, req) };
  }

  kafkaLeave(group: string, req: ClassicLeaveRequest): ClassicLeaveResult {
    return this.kafka.classic.leave(group, req);
  }

  kafkaCommit(group: string, req: KafkaCommitRequest): KafkaCommitResult {
    return this.kafka.commit(group, req);
  }

  kafkaOffsets(_group: string): KafkaOffsets {
    return this.kafka.offsets();
  }

  kafkaDescribe(group: string): ClassicDescription | null {
    return this.kafka.describe(group);
  }

  kafkaDeleteGroup(group: string): { error: ClassicJoinResult["error"] } {
    const done = this.deleteGroup(group);
    if (done.ok) return { error: null };
    return { error: done.error.code === "group_not_found" ? "GROUP_ID_NOT_FOUND" : "NON_EMPTY_GROUP" };
  }

  kafkaDeleteOffsets(group: string, partitions: Array<{ topic: string; partition: number }>): KafkaDeleteOffsetsResult {
    return this.kafka.deleteOffsets(group, partitions);
  }

  registerGroup(group: string): { ok: true } {
    return this.registry.register(group);
  }

  unregisterGroup(group: string): { ok: true } {
    return this.registry.unregister(group);
  }

  listGroups(): Array<{ group: string; created_at: number }> {
    return this.registry.list();
  }

  /** The object's alarm: session timeouts of both protocols, and the classic join/sync phases. */
  alarm(): void {
    if (this.coordinatorPart || this.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE name = 'members'").one().n > 0) {
      this.alarms.fired();
      const { coordinator, kafka } = this.parts();
      coordinator.alarm();
      kafka.classic.alarm();
    }
  }
}
