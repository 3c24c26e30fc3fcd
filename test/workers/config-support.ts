// Values shared by vitest.workers.config.ts (Node side) and the tests (inside workerd).
export const TEST_ADMIN_TOKEN = "test-admin-token";
/** Below the 1 MiB request limit, so record_too_large and payload_too_large are both reachable. */
export const TEST_MAX_RECORD_BYTES = 524_288;
/** Requests without credentials may read streams under /ds/public/ (EDGEBROKER_ANONYMOUS_GRANTS). */
export const TEST_ANONYMOUS_GRANTS = "consume:topic:ds.public*";
