// The group object's behaviour in one portable class, the counterpart of ClusterService: the
// coordinator of the group the object is named after, or — for the object named
// GROUP_REGISTRY_NAME — the registry of groups. Each part is created on first use, so a group's
// storage never holds the registry table and the registry's never holds group tables. The Durable
// Object (src/worker/group-object.ts) is made from it by objectClass; a standalone host serves it as is.
import { fail, type Failure } from "../errors.ts";
import type { Serves } from "../object-api.ts";
import { GroupCoordinator } from "./coordinator.ts";
import type { GroupCoordinatorOptions } from "./membership.ts";
import { GroupRegistry } from "./registry.ts";
import { AlarmSlots } from "./alarm-slots.ts";
import { ClassicGroup } from "./classic-group.ts";
import type {
  ClassicDescription,
  ClassicHeartbeatRequest,
  ClassicJoinRequest,
  ClassicJoinResult,
  ClassicLeaveRequest,
  ClassicLeaveResult,
  ClassicSyncRequest,
  ClassicSyncResult,
  KafkaCommitRequest,
  KafkaCommitResult,
  KafkaDeleteOffsetsResult,
  KafkaOffsets,
} from "./classic-types.ts";
import { KafkaGroupPart } from "./kafka-group-part.ts";
import type {
  AdvanceRequest,
  CommitRequest,
  CommittedOffset,
  GroupApi,
  GroupDescription,
  HeartbeatRequest,
  JoinRequest,
  MembershipResult,
  ResetOffset,
  ResetRequest,
  TopicMap,
  TxnCommitRequest,
} from "./types.ts";
import type { StoragePort } from "../storage-port.ts";
import { MetricsReporter, type MetricsSink } from "../metrics/reporter.ts";
import type { Sample } from "../metrics/types.ts";

export interface GroupServiceOptions extends GroupCoordinatorOptions {
  /** Where the group pushes its metrics (members, committed offsets), at most every `intervalMs`. */
  metrics?: { sink: MetricsSink; intervalMs: number };
  /** Kafka's group.initial.rebalance.delay.ms for classic groups (default 3000). */
  initialRebalanceDelayMs?: number;
}

export class GroupService implements Serves<GroupApi> {
  private readonly storage: StoragePort;
  private readonly options: GroupServiceOptions;
  private readonly alarms: AlarmSlots;
  private coordinatorPart: GroupCoordinator | undefined;
  private kafkaPart: KafkaGroupPart | undefined;
  private registryPart: GroupRegistry | undefined;
  private readonly metrics: MetricsReporter | undefined;
  private readonly changed: <T>(group: string, result: T) => T;

  constructor(storage: StoragePort, options: GroupServiceOptions = {}) {
    this.storage = storage;
    this.options = options;
    // One object alarm serves both protocols' deadlines.
    this.alarms = new AlarmSlots(options.alarms);
    const m = options.metrics;
    this.metrics =
      m && new MetricsReporter(undefined, { sink: m.sink, intervalMs: m.intervalMs, now: options.now, gauges: () => this.gauges() });
    // A field, not a method: every method of this class is served as RPC (src/worker/object-class.ts).
    this.changed = (group, result) => {
      if (this.metrics) {
        this.metrics.source ??= `group:${group}`;
        this.groupName ??= group;
        void this.metrics.changed();
      }
      return result;
    };
  }

  private groupName: string | undefined;

  private readonly gauges = (): Sample[] => {
    if (!this.groupName || !this.coordinatorPart) return [];
    const view = this.coordinatorPart.metricsView();
    const group = this.groupName;
    return [
      { name: "edgebroker_group_members", labels: { group }, value: view.members },
      ...view.offsets.map(
        (o): Sample => ({
          name: "edgebroker_group_committed_offset",
          labels: { group, topic: o.topic, partition: String(o.partition) },
          value: o.offset,
        }),
      ),
    ];
  };

  // The HTTP (server-side assignment) part and the classic part share the group's tables, so
  // both are created together.
  private get coordinator(): GroupCoordinator {
    return this.parts.coordinator;
  }

  private get kafka(): KafkaGroupPart {
    return this.parts.kafka;
  }

  // An accessor, not a method: every method of this class is served as RPC (src/worker/object-class.ts).
  private get parts(): { coordinator: GroupCoordinator; kafka: KafkaGroupPart } {
    if (!this.coordinatorPart) {
      const now = this.options.now ?? Date.now;
      const coordinator = new GroupCoordinator(this.storage, {
        ...this.options,
        alarms: this.alarms.slot("http"),
        refuseJoin: () =>
          this.kafkaPart?.classic.active
            ? fail(
                "inconsistent_group_protocol",
                "the group's members are Kafka consumers (classic protocol, client-side assignment); HTTP members can join once they have left",
              )
            : undefined,
      });
      const wake = this.alarms.slot("classic");
      const classic = new ClassicGroup(coordinator.state, {
        now,
        newId: () => crypto.randomUUID(),
        initialRebalanceDelayMs: this.options.initialRebalanceDelayMs,
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
    return this.changed(group, this.coordinator.join(group, req));
  }

  heartbeat(group: string, req: HeartbeatRequest): MembershipResult {
    return this.changed(group, this.coordinator.heartbeat(group, req));
  }

  updateTopics(group: string, req: HeartbeatRequest & { resolved: TopicMap }): MembershipResult {
    return this.coordinator.updateTopics(group, req);
  }

  advance(group: string, req: AdvanceRequest): { ok: true; accepted: boolean[] } | Failure {
    return this.coordinator.advance(group, req);
  }

  commit(group: string, req: CommitRequest): { ok: true; offsets: CommittedOffset[] } | Failure {
    return this.changed(group, this.coordinator.commit(group, req));
  }

  txnCommit(group: string, req: TxnCommitRequest): { ok: true } | Failure {
    return this.coordinator.txnCommit(group, req);
  }

  txnComplete(group: string, req: { producerId: number; commit: boolean }): { ok: true } | Failure {
    return this.coordinator.txnComplete(group, req);
  }

  leave(group: string, memberId: string): { ok: true } | Failure {
    return this.changed(group, this.coordinator.leave(group, memberId));
  }

  describe(group: string): GroupDescription | Failure {
    return this.kafka.describeAll(group);
  }

  resetOffsets(group: string, req: ResetRequest): { ok: true; offsets: ResetOffset[] } | Failure {
    const busy = this.kafka.busy(group, req.force);
    return this.changed(group, busy ?? this.coordinator.resetOffsets(group, req));
  }

  deleteGroup(group: string): { ok: true } | Failure {
    const busy = this.kafka.busy(group, false);
    if (busy) return busy;
    const result = this.coordinator.deleteGroup(group);
    if (result.ok) this.kafka.classic.wipe();
    if (result.ok && this.metrics) {
      this.metrics.source ??= `group:${group}`;
      void this.metrics.drop();
    }
    return result;
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
    return this.changed(group, this.kafka.commit(group, req));
  }

  kafkaTxnCommit(group: string, req: KafkaCommitRequest & { producerId: number }): KafkaCommitResult {
    return this.changed(group, this.kafka.txnCommit(group, req));
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
    if (
      this.coordinatorPart ||
      this.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE name = 'members'").one().n > 0
    ) {
      this.alarms.fired();
      const { coordinator, kafka } = this.parts;
      coordinator.alarm();
      kafka.classic.alarm();
      if (this.groupName) void this.metrics?.changed(); // members may have expired
    }
  }
}
