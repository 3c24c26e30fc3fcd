// The Durable Streams conformance suite against the Worker bundle in workerd (Miniflare).
import { startBroker } from "../../bench/lib/servers.ts";
import { conformanceSuite, SUITE_ENV } from "./suite.ts";

conformanceSuite(async () => {
  const server = await startBroker(SUITE_ENV);
  return { url: server.url, stop: () => server.dispose() };
});
