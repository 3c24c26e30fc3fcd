// Runs the official conformance suite against a host's /ds. The suite reads `baseUrl` when each
// test runs, so the options object is filled in by beforeAll once the host is listening.
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { afterAll, beforeAll } from "vitest";

/** Short long-polls keep the suite's timeout tests quick; the suite waits this long plus a second. */
export const LONG_POLL_MS = 2_000;
export const ANONYMOUS_GRANTS = "admin:topic:ds*";

export interface Host {
  url: string;
  stop(): Promise<void>;
}

export function conformanceSuite(start: () => Promise<Host>): void {
  const options = { baseUrl: "", longPollTimeoutMs: LONG_POLL_MS };
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
