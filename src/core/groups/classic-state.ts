// What a classic (Kafka JoinGroup/SyncGroup) group keeps in storage, mirrored in memory: the
// generation, the chosen protocol, the leader, and each member with its protocols and the
// assignment the leader gave it. Kafka persists the same (the GroupMetadata record written at
// each SyncGroup), so after a restart the group is back at its last generation and its members
// rejoin or time out. Waiting JoinGroup/SyncGroup calls and heartbeat deadlines live in memory
// only (classic-members.ts): a restart breaks those connections and the clients retry.
//
// Tables (beside group-state.ts's; committed offsets are that file's `offsets` table):
//   classic_meta    (key, value)          state, generation, protocol_type, protocol_name, leader
//   classic_members (member_id, ...)      one row per member
import type { TopicPartitions } from "./types.ts";
import type { StoragePort } from "../storage-port.ts";
import { blobBytes } from "../storage-port.ts";
import type { ClassicJoinResult, ClassicProtocol, ClassicState, ClassicSyncResult } from "./classic-types.ts";

export interface ClassicMember {
  id: string;
  instanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: ClassicProtocol[];
  topics: string[];
  assignment: Uint8Array;
  assigned: TopicPartitions[];
  /** Join order: the first joined member becomes leader when the leader is gone. */
  order: number;
  // ---- in memory only ----
  deadline: number;
  lastHeartbeat: number;
  /** Joined in the current rebalance for the first time (no heartbeat expected before its answer). */
  isNew: boolean;
  joinWaiter?: (r: ClassicJoinResult) => void;
  syncWaiter?: (r: ClassicSyncResult) => void;
}

interface MemberRow extends Record<string, string | number | null | Uint8Array | ArrayBuffer> {
  member_id: string;
  instance_id: string | null;
  client_id: string;
  client_host: string;
  session_timeout_ms: number;
  rebalance_timeout_ms: number;
  protocol_type: string;
  protocols: string;
  topics: string;
  assignment: Uint8Array | ArrayBuffer;
  assigned: string;
  join_order: number;
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export class ClassicGroupState {
  readonly storage: StoragePort;
  state: ClassicState = "Empty";
  generation = 0;
  protocolType = "";
  protocolName = "";
  leader = "";
  members = new Map<string, ClassicMember>();
  private nextOrder = 0;

  constructor(storage: StoragePort) {
    this.storage = storage;
    const sql = storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS classic_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    sql.exec(`CREATE TABLE IF NOT EXISTS classic_members (member_id TEXT PRIMARY KEY, instance_id TEXT, client_id TEXT NOT NULL,
      client_host TEXT NOT NULL, session_timeout_ms INTEGER NOT NULL, rebalance_timeout_ms INTEGER NOT NULL, protocol_type TEXT NOT NULL,
      protocols TEXT NOT NULL, topics TEXT NOT NULL, assignment BLOB NOT NULL, assigned TEXT NOT NULL, join_order INTEGER NOT NULL)`);
  }

  /** (Re)reads everything; in-memory deadlines restart from `now` (nobody can have heartbeated to a fresh instance). */
  load(now: number): void {
    const sql = this.storage.sql;
    this.state = "Empty";
    this.generation = 0;
    this.protocolType = "";
    this.protocolName = "";
    this.leader = "";
    for (const row of sql.exec<{ key: string; value: string }>("SELECT key, value FROM classic_meta")) {
      if (row.key === "state") this.state = row.value as ClassicState;
      if (row.key === "generation") this.generation = Number(row.value);
      if (row.key === "protocol_type") this.protocolType = row.value;
      if (row.key === "protocol_name") this.protocolName = row.value;
      if (row.key === "leader") this.leader = row.value;
    }
    this.members = new Map();
    this.nextOrder = 0;
    for (const r of sql.exec<MemberRow>("SELECT * FROM classic_members ORDER BY join_order")) {
      const protocols = (JSON.parse(r.protocols) as Array<{ name: string; metadata: string }>).map((p) => ({
        name: p.name,
        metadata: fromBase64(p.metadata),
      }));
      this.members.set(r.member_id, {
        id: r.member_id,
        instanceId: r.instance_id,
        clientId: r.client_id,
        clientHost: r.client_host,
        sessionTimeoutMs: r.session_timeout_ms,
        rebalanceTimeoutMs: r.rebalance_timeout_ms,
        protocolType: r.protocol_type,
        protocols,
        topics: JSON.parse(r.topics),
        assignment: blobBytes(r.assignment),
        assigned: JSON.parse(r.assigned),
        order: r.join_order,
        deadline: now + r.session_timeout_ms,
        lastHeartbeat: now,
        isNew: false,
      });
      this.nextOrder = Math.max(this.nextOrder, r.join_order + 1);
    }
  }

  setMeta(values: Partial<{ state: ClassicState; generation: number; protocolType: string; protocolName: string; leader: string }>): void {
    const columns = {
      state: "state",
      generation: "generation",
      protocolType: "protocol_type",
      protocolName: "protocol_name",
      leader: "leader",
    } as const;
    for (const [field, value] of Object.entries(values) as Array<[keyof typeof columns, string | number]>) {
      (this as Record<string, unknown>)[field] = value;
      this.storage.sql.exec("INSERT OR REPLACE INTO classic_meta (key, value) VALUES (?, ?)", columns[field], String(value));
    }
  }

  order(): number {
    return this.nextOrder++;
  }

  putMember(m: ClassicMember): void {
    this.members.set(m.id, m);
    this.storage.sql.exec(
      `INSERT OR REPLACE INTO classic_members (member_id, instance_id, client_id, client_host, session_timeout_ms, rebalance_timeout_ms,
         protocol_type, protocols, topics, assignment, assigned, join_order) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      m.id,
      m.instanceId,
      m.clientId,
      m.clientHost,
      m.sessionTimeoutMs,
      m.rebalanceTimeoutMs,
      m.protocolType,
      JSON.stringify(m.protocols.map((p) => ({ name: p.name, metadata: toBase64(p.metadata) }))),
      JSON.stringify(m.topics),
      m.assignment,
      JSON.stringify(m.assigned),
      m.order,
    );
  }

  deleteMember(id: string): void {
    this.members.delete(id);
    this.storage.sql.exec("DELETE FROM classic_members WHERE member_id = ?", id);
  }

  staticMember(instanceId: string): ClassicMember | undefined {
    for (const m of this.members.values()) if (m.instanceId === instanceId) return m;
    return undefined;
  }

  wipe(now: number): void {
    this.storage.sql.exec("DELETE FROM classic_meta");
    this.storage.sql.exec("DELETE FROM classic_members");
    this.load(now);
  }
}
