// The group object's tables, all of them (docs/ARCHITECTURE.md, "Consumer groups"): a group's
// state (state.ts), or for the object named GROUP_REGISTRY_NAME the list of groups (registry.ts).

export const GROUP_TABLES = [
  "CREATE TABLE IF NOT EXISTS group_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
  `CREATE TABLE IF NOT EXISTS members (member_id TEXT PRIMARY KEY, member_epoch INTEGER NOT NULL,
  subscription TEXT NOT NULL, resolved TEXT NOT NULL, session_timeout_ms INTEGER NOT NULL, deadline INTEGER NOT NULL,
  last_heartbeat INTEGER NOT NULL, auto_offset_reset TEXT NOT NULL, auto_commit INTEGER NOT NULL, told TEXT NOT NULL)`,
  /** The assignor's target ("topic/partition" → member). */
  "CREATE TABLE IF NOT EXISTS target (pkey TEXT PRIMARY KEY, member_id TEXT NOT NULL)",
  /** Current owner and next offset: the primary key makes one owner per partition, ever. */
  "CREATE TABLE IF NOT EXISTS owned (pkey TEXT PRIMARY KEY, member_id TEXT NOT NULL, position INTEGER)",
  /** The member's current SSE tail, if it has one: the newest stream opened for it (src/http/groups/sse.ts). */
  "CREATE TABLE IF NOT EXISTS member_tails (member_id TEXT PRIMARY KEY, tail TEXT NOT NULL)",
  `CREATE TABLE IF NOT EXISTS offsets (topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
  metadata TEXT, commit_time INTEGER NOT NULL, topic_epoch INTEGER NOT NULL, PRIMARY KEY (topic, partition))`,
];

export const GROUP_REGISTRY_TABLE = "CREATE TABLE IF NOT EXISTS group_registry (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL)";
