// The Worker entry: builds the Hono app once per isolate from the bindings and routes to it.
import { createApp } from "../http/app.ts";
import type { AppDeps } from "../http/deps.ts";
import type { PartitionApi } from "../core/partition-types.ts";
import type { ClusterApi } from "../core/topic-registry.ts";
import type { KeyApi } from "../core/key-store.ts";
import type { GroupApi } from "../core/group-types.ts";
import { limitsFromEnv } from "../core/limits.ts";
import { credentialCheckMs } from "../core/credential-check.ts";
import { ANONYMOUS_GRANTS_VAR, parseAnonymousGrants } from "../core/anonymous-grants.ts";
import type { Grant } from "../core/grants.ts";
import { fetchOutbound } from "../core/outbound/outbound-fetch.ts";
import { parsePublicUrl, PUBLIC_URL_VAR } from "../core/public-url.ts";
import type { Env } from "./env.ts";
import { loadLogCore } from "./log-core.ts";

export { ClusterObject } from "./cluster-object.ts";
export { GroupObject } from "./group-object.ts";
export { KeyObject } from "./key-object.ts";
export { PartitionObject } from "./partition-object.ts";

function workerDeps(env: Env): AppDeps {
  // A malformed value cannot stop a Worker from starting: every request says what to fix instead.
  let anonymousGrants: Grant[] | undefined;
  let configError: string | undefined;
  let publicUrl: string | undefined;
  try {
    anonymousGrants = parseAnonymousGrants(env[ANONYMOUS_GRANTS_VAR] as string | undefined);
    publicUrl = parsePublicUrl(env[PUBLIC_URL_VAR] as string | undefined);
  } catch (err) {
    configError = (err as Error).message;
  }
  const longPoll = Number(env.EDGEBROKER_DS_LONG_POLL_MS ?? "");
  return {
    anonymousGrants,
    configError,
    dsLongPollMs: Number.isSafeInteger(longPoll) && longPoll > 0 ? longPoll : undefined,
    dsLoopbackWebhooks: env.EDGEBROKER_DS_LOOPBACK_WEBHOOKS === "1",
    credentialCheckMs: credentialCheckMs(env.EDGEBROKER_CREDENTIAL_CHECK_MS),
    // No default on Workers: a Worker cannot know the name it is reached by without trusting Host.
    publicUrl,
    // Workers' fetch: the URL checks only; Cloudflare's network does not reach private addresses (docs/security.md).
    outboundFetch: fetchOutbound((input, init) => fetch(input, init)),
    // RPC stubs expose the objects' methods as promises of the same plain-data results.
    cluster: () => env.CLUSTER.get(env.CLUSTER.idFromName("cluster")) as unknown as ClusterApi,
    partition: (topic, partition) =>
      env.PARTITION.get(env.PARTITION.idFromName(`${topic}/${partition}`)) as unknown as PartitionApi,
    partitionSocket: (topic, partition, request) => env.PARTITION.get(env.PARTITION.idFromName(`${topic}/${partition}`)).fetch(request),
    key: (id) => env.KEY.get(env.KEY.idFromName(id)) as unknown as KeyApi,
    group: (name) => env.GROUP.get(env.GROUP.idFromName(name)) as unknown as GroupApi,
    logCore: loadLogCore,
    adminToken: env.EDGEBROKER_ADMIN_TOKEN,
    limits: limitsFromEnv(env),
    corsOrigins: env.EDGEBROKER_CORS_ORIGINS?.split(",").map((o) => o.trim()).filter(Boolean),
  };
}

let app: ReturnType<typeof createApp> | undefined;

export default {
  fetch(request, env, ctx) {
    app ??= createApp(workerDeps(env));
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
