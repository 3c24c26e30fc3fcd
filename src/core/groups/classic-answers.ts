// What a classic group answers, built from its state: JoinGroup's and SyncGroup's error answers
// (no generation, no protocol: the client rejoins or retries), a joined member's JoinGroup answer
// (the leader's carries every member's metadata for the chosen protocol, which it assigns from),
// and the views DescribeGroups and `GET /v1/groups/{group}` show.
import type { ClassicGroupState, ClassicMember } from "./classic-state.ts";
import type { ClassicDescription, ClassicError, ClassicJoinResult, ClassicMemberView, ClassicSyncResult } from "./classic-types.ts";
import type { TopicPartitions } from "./types.ts";

export const EMPTY = new Uint8Array(0);

export function joinError(memberId: string, error: ClassicError): ClassicJoinResult {
  return { error, memberId, generationId: -1, protocolType: null, protocolName: null, leader: "", skipAssignment: false, members: [] };
}

export function syncError(error: ClassicError): ClassicSyncResult {
  return { error, protocolType: null, protocolName: null, assignment: EMPTY };
}

export function joinAnswer(state: ClassicGroupState, m: ClassicMember, withMembers: boolean, skipAssignment: boolean): ClassicJoinResult {
  return {
    error: null,
    memberId: m.id,
    generationId: state.generation,
    protocolType: state.protocolType,
    protocolName: state.protocolName,
    leader: state.leader,
    skipAssignment,
    members: withMembers ? memberMetadata(state) : [],
  };
}

function memberMetadata(state: ClassicGroupState): ClassicJoinResult["members"] {
  return [...state.members.values()].map((m) => ({
    memberId: m.id,
    groupInstanceId: m.instanceId,
    metadata: m.protocols.find((p) => p.name === state.protocolName)?.metadata ?? EMPTY,
  }));
}

/** DescribeGroups: metadata and assignments only once the group is Stable, as Kafka shows them. */
export function describeClassic(state: ClassicGroupState): ClassicDescription {
  const stable = state.state === "Stable";
  return {
    state: state.members.size === 0 && state.state !== "PreparingRebalance" ? "Empty" : state.state,
    protocolType: state.protocolType,
    protocolName: state.protocolName,
    generationId: state.generation,
    leader: state.leader,
    members: [...state.members.values()].map((m) => ({
      memberId: m.id,
      groupInstanceId: m.instanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      metadata: stable ? (m.protocols.find((p) => p.name === state.protocolName)?.metadata ?? EMPTY) : EMPTY,
      assignment: stable ? m.assignment : EMPTY,
    })),
  };
}

/** The members as `GET /v1/groups/{group}` lists them beside HTTP members. */
export function classicMemberViews(state: ClassicGroupState): ClassicMemberView[] {
  return [...state.members.values()].map((m) => ({
    member_id: m.id,
    group_instance_id: m.instanceId,
    client_id: m.clientId,
    client_host: m.clientHost,
    protocol: "kafka-classic",
    member_epoch: state.generation,
    subscription: { topics: m.topics },
    assignment: m.assigned as TopicPartitions[],
    session_timeout_ms: m.sessionTimeoutMs,
    rebalance_timeout_ms: m.rebalanceTimeoutMs,
    last_heartbeat: m.lastHeartbeat,
  }));
}
