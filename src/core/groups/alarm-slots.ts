// One Durable Object has one alarm; a group object has two users of it (the HTTP members'
// session timeouts, the classic protocol's deadlines). Each gets a slot with the alarm port's own
// shape; the object's alarm is armed at the earliest slot. An alarm already armed earlier than a
// slot's new time is left alone: when it fires every part re-arms what it still needs (`fired()`
// clears the slots first), so moving deadlines later costs no alarm write.
import type { GroupAlarmPort } from "./membership.ts";

export class AlarmSlots {
  private readonly port: GroupAlarmPort | undefined;
  private readonly slots = new Map<string, number>();
  private armed: number | undefined;

  constructor(port: GroupAlarmPort | undefined) {
    this.port = port;
  }

  slot(name: string): GroupAlarmPort {
    return {
      setAlarm: (at) => this.set(name, at),
      deleteAlarm: () => this.set(name, undefined),
    };
  }

  /** The alarm went off: every part says again what it needs. */
  fired(): void {
    this.armed = undefined;
    this.slots.clear();
  }

  private set(name: string, at: number | undefined): void {
    if (at === undefined) this.slots.delete(name);
    else this.slots.set(name, at);
    if (!this.port) return;
    let earliest = Infinity;
    for (const t of this.slots.values()) earliest = Math.min(earliest, t);
    if (earliest === Infinity) {
      if (this.armed !== undefined) this.port.deleteAlarm();
      this.armed = undefined;
      return;
    }
    if (this.armed !== undefined && this.armed <= earliest) return;
    this.port.setAlarm(earliest);
    this.armed = earliest;
  }
}
