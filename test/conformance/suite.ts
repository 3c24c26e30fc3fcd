// Runs the official conformance suite against a host's /ds. The suite reads `baseUrl` when each
// test runs, so the options object is filled in by beforeAll once the host is listening.
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { afterAll, beforeAll } from "vitest";

/** Short long-polls keep the suite's timeout tests quick; the suite waits this long plus a second. */
export const LONG_POLL_MS = 2_000;
export const ANONYMOUS_GRANTS = "admin:topic:ds*";
/** The host settings the suite needs: anonymous access, short long-polls, loopback webhooks. */
export const SUITE_ENV = {
  EDGEBROKER_ANONYMOUS_GRANTS: ANONYMOUS_GRANTS,
  EDGEBROKER_DS_LONG_POLL_MS: String(LONG_POLL_MS),
  EDGEBROKER_DS_LOOPBACK_WEBHOOKS: "1",
};

export interface Host {
  url: string;
  stop(): Promise<void>;
}

export function conformanceSuite(start: () => Promise<Host>): void {
  // subscriptions: the reserved subscription APIs too (webhooks to the suite's loopback receiver).
  const options = { baseUrl: "", longPollTimeoutMs: LONG_POLL_MS, subscriptions: true };
  let host: Host | undefined;
  beforeAll(async () => {
    host = await start();
    options.baseUrl = `${host.url}/ds`;
  });
  afterAll(async () => {
    await host?.stop();
  });
  runConformanceTests(options);
}
