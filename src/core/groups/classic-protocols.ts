// The classic group's protocol choice, Kafka's (the classic GroupCoordinator's ClassicGroup):
// a joining member must share the group's protocol type and at least one protocol (assignor)
// every member supports, and the group runs the common protocol most members list first.
import type { ClassicGroupState } from "./classic-state.ts";
import type { ClassicProtocol } from "./classic-types.ts";

/** Kafka's supportsProtocols: same protocol type, and one protocol every member supports. */
export function supportsProtocols(state: ClassicGroupState, type: string, protocols: ClassicProtocol[]): boolean {
  if (state.members.size === 0) return type !== "" && protocols.length > 0;
  if (type !== state.protocolType) return false;
  const common = commonProtocols(state);
  return protocols.some((p) => common.has(p.name));
}

export function commonProtocols(state: ClassicGroupState): Set<string> {
  let common: Set<string> | undefined;
  for (const m of state.members.values()) {
    const names = new Set(m.protocols.map((p) => p.name));
    common = common ? new Set([...common].filter((n) => names.has(n))) : names;
  }
  return common ?? new Set();
}

/** Kafka's selectProtocol: among the protocols every member supports, the one most members prefer. */
export function selectProtocol(state: ClassicGroupState): string {
  const common = commonProtocols(state);
  const votes = new Map<string, number>();
  const members = [...state.members.values()];
  for (const m of members) {
    const choice = m.protocols.find((p) => common.has(p.name))?.name;
    if (choice) votes.set(choice, (votes.get(choice) ?? 0) + 1);
  }
  let best = "";
  let most = 0;
  // Ties go to the earliest member's preference order.
  for (const p of members[0]?.protocols ?? []) {
    const n = votes.get(p.name) ?? 0;
    if (n > most) [best, most] = [p.name, n];
  }
  return best;
}

/** The same protocols, in the same order, with the same metadata. */
export function sameProtocols(a: ClassicProtocol[], b: ClassicProtocol[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((p, i) => p.name === b[i]!.name && bytesEqual(p.metadata, b[i]!.metadata));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
