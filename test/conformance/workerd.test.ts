// The Durable Streams conformance suite against the Worker bundle in workerd (Miniflare).
import { startBroker } from "../../bench/lib/servers.ts";
import { ANONYMOUS_GRANTS, conformanceSuite, LONG_POLL_MS } from "./suite.ts";

conformanceSuite(async () => {
  const server = await startBroker({ EDGEBROKER_ANONYMOUS_GRANTS: ANONYMOUS_GRANTS, EDGEBROKER_DS_LONG_POLL_MS: String(LONG_POLL_MS) });
  return { url: server.url, stop: () => server.dispose() };
});
