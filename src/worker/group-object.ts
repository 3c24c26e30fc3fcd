// One Durable Object per consumer group, named by the group (plus one named "/registry" that
// lists the groups) — the portable GroupService as a Durable Object. Its alarm() (a GroupService
// method) expires members past their session timeout.
import { GroupService } from "../core/groups/service.ts";
import type { StoragePort } from "../core/storage-port.ts";
import { workerConfig } from "./config.ts";
import { metricsSink } from "./metrics-object.ts";
import { objectClass } from "./object-class.ts";

export class GroupObject extends objectClass(
  GroupService,
  (ctx, env) =>
    new GroupService(ctx.storage as unknown as StoragePort, {
      alarms: { setAlarm: (at) => void ctx.storage.setAlarm(at), deleteAlarm: () => void ctx.storage.deleteAlarm() },
      metrics: { sink: metricsSink(env), intervalMs: workerConfig(env).options.metricsIntervalMs },
    }),
) {}
