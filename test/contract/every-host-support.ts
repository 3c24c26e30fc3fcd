// Starters for a test that runs one scenario on every host — workerd (the Worker bundle in
// Miniflare) and the Node, Bun and Deno servers — each with extra environment variables.
// EDGEBROKER_PUBLIC_URL is set on workerd (a Worker has no default) and left to its default
// (the listen address) on the standalone hosts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBroker } from "../../bench/lib/servers.ts";
import { freePort, RUNTIMES, startServer } from "./hosts-support.ts";

export interface RunningHost {
  url: string;
  stop(): Promise<unknown>;
}

export function everyHost(env: Record<string, string> = {}): Record<string, () => Promise<RunningHost>> {
  const starters: Record<string, () => Promise<RunningHost>> = {
    workerd: async () => {
      const port = await freePort();
      const server = await startBroker({ ...env, EDGEBROKER_PUBLIC_URL: `http://127.0.0.1:${port}` }, port);
      return { url: server.url, stop: () => server.dispose() };
    },
  };
  for (const runtime of RUNTIMES) {
    starters[runtime] = async () => {
      const dataDir = mkdtempSync(join(tmpdir(), `edgebroker-${runtime}-`));
      const server = await startServer(runtime, { dataDir, env });
      return {
        url: server.url,
        stop: async () => {
          await server.stop();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    };
  }
  return starters;
}
