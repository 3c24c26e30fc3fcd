// The event id of a group member's SSE tail: the member epoch, then the last offset delivered on
// each partition the stream has delivered from (and still owns), e.g. `7,orders:0:41,orders:3:9`.
// An EventSource sends the last one back as Last-Event-ID when it reconnects, so the resumed stream
// knows where the client really is on every partition at once — also for records that were written
// after that event and lost with the connection. Topic names cannot contain ',' or ':'.
import { BrokerError } from "../../core/errors.ts";
import { partitionKey, splitKey } from "../../core/groups/assignors.ts";

/** More entries than any assignment has partitions is a forged or corrupted id. */
const MAX_ENTRIES = 10_000;
const INTEGER = /^(0|[1-9][0-9]{0,15})$/;
const ENTRY = /^([a-zA-Z0-9._-]+):(0|[1-9][0-9]{0,9}):(0|[1-9][0-9]{0,15})$/;

export interface GroupCursor {
  memberEpoch: number;
  /** "topic/partition" → the offset of the last record the client saw. */
  seen: Map<string, number>;
}

function bad(message: string): never {
  throw new BrokerError("invalid_parameter", `Last-Event-ID: ${message}`);
}

export function parseCursor(raw: string | undefined): GroupCursor | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const [epoch, ...entries] = raw.trim().split(",");
  if (!INTEGER.test(epoch!))
    bad(`expected "<member_epoch>,<topic>:<partition>:<offset>,..." as sent in the stream's ids, got "${raw.slice(0, 80)}"`);
  if (entries.length > MAX_ENTRIES) bad(`more than ${MAX_ENTRIES} partitions`);
  const seen = new Map<string, number>();
  for (const entry of entries) {
    const m = ENTRY.exec(entry);
    if (!m || !Number.isSafeInteger(Number(m[3]))) bad(`"${entry.slice(0, 80)}" is not <topic>:<partition>:<offset>`);
    seen.set(partitionKey(m[1]!, Number(m[2])), Number(m[3]));
  }
  return { memberEpoch: Number(epoch), seen };
}

export function formatCursor(cursor: GroupCursor): string {
  const parts = [String(cursor.memberEpoch)];
  for (const [key, offset] of cursor.seen) {
    const { topic, partition } = splitKey(key);
    parts.push(`${topic}:${partition}:${offset}`);
  }
  return parts.join(",");
}
