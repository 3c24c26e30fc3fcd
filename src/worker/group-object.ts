// One Durable Object per consumer group, named by the group (plus one named "/registry" that
// lists the groups). Thin: it owns the storage and the alarm, and hands every call to the
// portable GroupService.
import { DurableObject } from "cloudflare:workers";
import type { Failure } from "../core/errors.ts";
import { GroupService } from "../core/group-service.ts";
import type {
  AdvanceRequest, CommitRequest, CommittedOffset, GroupDescription, HeartbeatRequest, JoinRequest, MembershipResult, ResetOffset, ResetRequest, TopicMap,
} from "../core/group-types.ts";
import type { StoragePort } from "../core/storage-port.ts";
import type { Env } from "./env.ts";

export class GroupObject extends DurableObject<Env> {
  private readonly service: GroupService;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.service = new GroupService(ctx.storage as unknown as StoragePort, {
      alarms: { setAlarm: (at) => void ctx.storage.setAlarm(at), deleteAlarm: () => void ctx.storage.deleteAlarm() },
    });
  }

  join(group: string, req: JoinRequest): MembershipResult & { created?: boolean } {
    return this.service.join(group, req);
  }

  heartbeat(group: string, req: HeartbeatRequest): MembershipResult {
    return this.service.heartbeat(group, req);
  }

  updateTopics(group: string, req: HeartbeatRequest & { resolved: TopicMap }): MembershipResult {
    return this.service.updateTopics(group, req);
  }

  advance(group: string, req: AdvanceRequest): { ok: true; accepted: boolean[] } | Failure {
    return this.service.advance(group, req);
  }

  commit(group: string, req: CommitRequest): { ok: true; offsets: CommittedOffset[] } | Failure {
    return this.service.commit(group, req);
  }

  leave(group: string, memberId: string): { ok: true } | Failure {
    return this.service.leave(group, memberId);
  }

  describe(group: string): GroupDescription | Failure {
    return this.service.describe(group);
  }

  resetOffsets(group: string, req: ResetRequest): { ok: true; offsets: ResetOffset[] } | Failure {
    return this.service.resetOffsets(group, req);
  }

  deleteGroup(group: string): { ok: true } | Failure {
    return this.service.deleteGroup(group);
  }

  registerGroup(group: string): { ok: true } {
    return this.service.registerGroup(group);
  }

  unregisterGroup(group: string): { ok: true } {
    return this.service.unregisterGroup(group);
  }

  listGroups(): Array<{ group: string; created_at: number }> {
    return this.service.listGroups();
  }

  /** Session timeouts: members past their deadline are removed and their partitions reassigned. */
  override alarm(): void {
    this.service.alarm();
  }
}
