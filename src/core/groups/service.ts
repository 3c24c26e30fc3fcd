// The group object's behaviour in one portable class, the counterpart of ClusterService: the
// coordinator of the group the object is named after, or — for the object named
// GROUP_REGISTRY_NAME — the registry of groups. Each part is created on first use, so a group's
// storage never holds the registry table and the registry's never holds group tables. The Durable
// Object (src/worker/group-object.ts) is made from it by objectClass; a standalone host serves it as is.
import type { Failure } from "../errors.ts";
import type { Serves } from "../object-api.ts";
import { GroupCoordinator, type GroupCoordinatorOptions } from "./coordinator.ts";
import { GroupRegistry } from "./registry.ts";
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
} from "./types.ts";
import type { StoragePort } from "../storage-port.ts";
import { MetricsReporter, type MetricsSink } from "../metrics/reporter.ts";
import type { Sample } from "../metrics/types.ts";

export interface GroupServiceOptions extends GroupCoordinatorOptions {
  /** Where the group pushes its metrics (members, committed offsets), at most every `intervalMs`. */
  metrics?: { sink: MetricsSink; intervalMs: number };
}

export class GroupService implements Serves<GroupApi> {
  private readonly storage: StoragePort;
  private readonly options: GroupCoordinatorOptions;
  private coordinatorPart: GroupCoordinator | undefined;
  private registryPart: GroupRegistry | undefined;
  private readonly metrics: MetricsReporter | undefined;
  private readonly changed: <T>(group: string, result: T) => T;

  constructor(storage: StoragePort, options: GroupServiceOptions = {}) {
    this.storage = storage;
    this.options = options;
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

  private get coordinator(): GroupCoordinator {
    return (this.coordinatorPart ??= new GroupCoordinator(this.storage, this.options));
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

  leave(group: string, memberId: string): { ok: true } | Failure {
    return this.changed(group, this.coordinator.leave(group, memberId));
  }

  describe(group: string): GroupDescription | Failure {
    return this.coordinator.describe(group);
  }

  resetOffsets(group: string, req: ResetRequest): { ok: true; offsets: ResetOffset[] } | Failure {
    return this.changed(group, this.coordinator.resetOffsets(group, req));
  }

  deleteGroup(group: string): { ok: true } | Failure {
    const result = this.coordinator.deleteGroup(group);
    if (result.ok && this.metrics) {
      this.metrics.source ??= `group:${group}`;
      void this.metrics.drop();
    }
    return result;
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

  /** The session-timeout alarm (only the coordinator sets one). */
  alarm(): void {
    if (
      this.coordinatorPart ||
      this.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE name = 'members'").one().n > 0
    ) {
      this.coordinator.alarm();
      if (this.groupName) void this.metrics?.changed(); // members may have expired
    }
  }
}
