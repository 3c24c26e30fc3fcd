// The transaction coordinator's table: one row holding the transactional id's whole state (JSON),
// rewritten at each state change, so every transition is one atomic row write. The registry
// object (TXN_REGISTRY_NAME) holds the list of transactional ids instead.
export const TXN_STATE_TABLE = "CREATE TABLE IF NOT EXISTS txn_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)";
export const TXN_REGISTRY_TABLE = `CREATE TABLE IF NOT EXISTS txn_registry (
  transactional_id TEXT PRIMARY KEY, producer_id INTEGER NOT NULL, state TEXT NOT NULL)`;
