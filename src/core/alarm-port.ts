// The partition log's alarm port over a host's alarm API (a Durable Object's ctx.storage, or the
// standalone host's persisted alarms), which *replaces* the alarm on every setAlarm.
//
// The log asks for maintenance "no later than" a time. It remembers what it asked for, but only in
// memory: after a restart (eviction, deploy, a standalone host restarting) the first append asked
// again for now + one interval and pushed the pending alarm out, so a partition that restarts more
// often than the interval never ran retention or compaction (#14 item 13). The port therefore
// compares with the alarm actually stored and only ever moves it earlier.
import type { AlarmPort } from "./log/partition-log.ts";

export interface HostAlarms {
  getAlarm(): Promise<number | null>;
  setAlarm(at: number): Promise<void> | void;
}

export function alarmNoLaterThan(host: HostAlarms): AlarmPort {
  return {
    setAlarm(at: number): void {
      void host
        .getAlarm()
        .then(
          (current) => (current === null || current > at ? host.setAlarm(at) : undefined),
          // Unreadable alarm state: setting it is the safe side (maintenance runs, never stalls).
          () => host.setAlarm(at),
        )
        .catch((err: unknown) => console.error("edgebroker: could not set the maintenance alarm", err));
    },
  };
}
