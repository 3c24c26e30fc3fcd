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

export class GroupService implements Serves<GroupApi> {
  private readonly storage: StoragePort;
  private readonly options: GroupCoordinatorOptions;
  private coordinatorPart: GroupCoordinator | undefined;
  private registryPart: GroupRegistry | undefined;

  constructor(storage: StoragePort, options: GroupCoordinatorOptions = {}) {
    this.storage = storage;
    this.options = options;
  }

  private get coordinator(): GroupCoordinator {
    return (this.coordinatorPart ??= new GroupCoordinator(this.storage, this.options));
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
    return this.coordinator.describe(group);
  }

  resetOffsets(group: string, req: ResetRequest): { ok: true; offsets: ResetOffset[] } | Failure {
    return this.coordinator.resetOffsets(group, req);
  }

  deleteGroup(group: string): { ok: true } | Failure {
    return this.coordinator.deleteGroup(group);
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
    }
  }
}
