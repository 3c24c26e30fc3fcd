// The consumer protocol's payloads inside JoinGroup metadata and SyncGroup assignments
// (Kafka's ConsumerProtocolSubscription / ConsumerProtocolAssignment, never flexible):
//
//   Subscription = version:int16 topics:[string] userData:nullable bytes
//                  ownedPartitions:[topic:string partitions:[int32]] (v1+) generationId:int32 (v2+) rackId:nullable string (v3+)
//   Assignment   = version:int16 assignedPartitions:[topic:string partitions:[int32]] userData:nullable bytes
//
// The coordinator keeps these as opaque bytes, as Kafka's does; they are decoded only so that
// `GET /v1/groups/{group}` and OffsetDelete know the topics and partitions. A payload that does
// not parse (another protocol type, a client's own format) decodes to nothing.
import type { TopicPartitions } from "../../core/groups/types.ts";
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";

const MAX_ENTRIES = 100_000;

function string(r: Reader): string {
  const s = r.nullableString();
  if (s === null) throw new Error("null topic");
  return s;
}

function count(r: Reader): number {
  const n = r.int32();
  if (n < 0 || n > MAX_ENTRIES) throw new Error("bad array length");
  return n;
}

export function subscribedTopics(metadata: Uint8Array): string[] {
  try {
    const r = new Reader(metadata);
    r.int16();
    const topics: string[] = [];
    for (let i = count(r); i > 0; i--) topics.push(string(r));
    return [...new Set(topics)].sort();
  } catch {
    return [];
  }
}

export function assignedPartitions(assignment: Uint8Array): TopicPartitions[] {
  if (assignment.length === 0) return [];
  try {
    const r = new Reader(assignment);
    r.int16();
    const out = new Map<string, number[]>();
    for (let i = count(r); i > 0; i--) {
      const topic = string(r);
      const partitions = out.get(topic) ?? [];
      for (let j = count(r); j > 0; j--) partitions.push(r.int32());
      out.set(topic, partitions);
    }
    return [...out]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
  } catch {
    return [];
  }
}

/** A version-0 assignment naming `partitions` (DescribeGroups' view of an HTTP member). */
export function encodeAssignment(partitions: TopicPartitions[]): Uint8Array {
  const w = new Writer();
  w.int16(0).int32(partitions.length);
  for (const tp of partitions) {
    w.nullableString(tp.topic).int32(tp.partitions.length);
    for (const p of tp.partitions) w.int32(p);
  }
  w.nullableBytes(null);
  return w.finish();
}
