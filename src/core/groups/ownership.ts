// The group's target assignment and each member's ownership (KIP-848's reconciliation, as
// coordinator.ts describes it): the assignor computes the target from the members'
// subscriptions; a member's own heartbeat releases what the target took from it and takes
// what is free — or held by an owner with nothing uncommitted ("revoke before assign"); and
// what a member is told it owns, with where it fetches from, comes from that.
import { ASSIGNORS, grouped, sortedKeys, splitKey } from "./assignors.ts";
import type { GroupState, Member, Owner } from "./state.ts";
import type { FetchTarget, Membership } from "./types.ts";

/** The assignor's target for the members as they are now, labelled with the group epoch. */
export function computeTarget(state: GroupState): void {
  const topics = state.topics();
  const partitions: Record<string, number> = {};
  for (const [topic, meta] of topics) partitions[topic] = meta.partitions;
  const members = [...state.members.values()].map((m) => ({
    id: m.id,
    // A member reporting an older incarnation of a topic than another member is not given it.
    topics: Object.entries(m.resolved)
      .filter(([t, meta]) => topics.get(t)!.epoch === meta.epoch)
      .map(([t]) => t),
  }));
  state.replaceTarget(ASSIGNORS[state.assignor]({ members, partitions, previous: state.target }));
  state.setMeta("assignment_epoch", state.epoch);
}

/**
 * Brings the member's ownership towards its target: partitions it no longer should have are
 * released (this is its own heartbeat, after auto-commit), target partitions that are free — or
 * whose owner holds nothing uncommitted — become its own. If what it owns changed, it gets a new
 * member epoch.
 */
export function reconcile(state: GroupState, m: Member, joining: boolean): void {
  for (const [key, o] of state.owned) {
    if (o.member === m.id && state.target.get(key) !== m.id) state.deleteOwner(key);
  }
  for (const [key, member] of state.target) {
    if (member !== m.id) continue;
    const o = state.owned.get(key);
    if (!o || (o.member !== m.id && state.holdsNothing(key, o))) state.setOwner(key, { member: m.id, position: null });
  }
  const owned = sortedKeys([...state.owned].filter(([, o]) => o.member === m.id).map(([k]) => k));
  if (JSON.stringify(owned) !== JSON.stringify(m.told)) {
    if (!joining) m.epoch = state.bump();
    m.told = owned;
    state.putMember(m);
  }
}

/** What the member is told: what it owns (and where to fetch each from) and what it waits for. */
export function membershipOf(state: GroupState, m: Member): Membership {
  const owned: string[] = [];
  const pending: string[] = [];
  for (const [key, member] of state.target) {
    if (member !== m.id) continue;
    if (state.owned.get(key)?.member === m.id) continue;
    pending.push(key);
  }
  const fetch: FetchTarget[] = [];
  for (const key of sortedKeys(m.told)) {
    const o = state.owned.get(key);
    if (o?.member !== m.id) continue; // moved since (the owner held nothing uncommitted)
    owned.push(key);
    fetch.push({ ...splitKey(key), start: startOf(state, key, o) });
  }
  return {
    ok: true,
    memberId: m.id,
    memberEpoch: m.epoch,
    groupEpoch: state.epoch,
    assignment: grouped(owned),
    pending: grouped(sortedKeys(pending)),
    fetch,
    reset: m.reset,
    subscription: m.subscription,
    resolved: m.resolved,
    sessionTimeoutMs: m.sessionTimeoutMs,
  };
}

/** Where the owner reads the partition from: its position, else the committed offset. */
export function startOf(state: GroupState, key: string, o: Owner): number | null {
  return o.position ?? state.committed(key)?.offset ?? null;
}
