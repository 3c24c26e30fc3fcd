// The subscriptions object's tables (core/streams/subscription-service.ts). The same two tables
// once lived in the partition object named SUBSCRIPTIONS_OBJECT, which answers the one-time
// export the new object imports from (see SubscriptionService).

export const DS_SUBSCRIPTION_TABLES = [
  "CREATE TABLE IF NOT EXISTS ds_subscription (root TEXT NOT NULL, id TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (root, id))",
  "CREATE TABLE IF NOT EXISTS ds_signing (kid TEXT PRIMARY KEY, value TEXT NOT NULL)",
];

/** The subscriptions object's own state: `legacy` = imported | done (the migration's progress). */
export const DS_SUBSCRIPTION_META_TABLE = "CREATE TABLE IF NOT EXISTS ds_subscription_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)";
