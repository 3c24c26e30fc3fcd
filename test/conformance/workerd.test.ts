// The Durable Streams conformance suite against the Worker bundle in workerd (Miniflare).
import { startBroker } from "../../bench/lib/servers.ts";
import { freePort } from "../contract/hosts-support.ts";
import { conformanceSuite, SUITE_ENV } from "./suite.ts";

conformanceSuite(async () => {
  // Webhook callback URLs come from EDGEBROKER_PUBLIC_URL (a Worker has no default), so the
  // port is chosen first.
  const port = await freePort();
  const server = await startBroker({ ...SUITE_ENV, EDGEBROKER_PUBLIC_URL: `http://127.0.0.1:${port}` }, port);
  return { url: server.url, stop: () => server.dispose() };
});
