// A sink's dead-letter topic (KIP-298, errors.deadletterqueue.topic.name): a batch that cannot be
// delivered goes there as it was — keys, values, timestamps and headers — with the failure in
// Kafka Connect's `__connect.errors.*` headers, to the source partition modulo the topic's.
import type { DecodedRecord, Header } from "../batch/record-batch.ts";
import type { TopicInfo } from "../topics/registry.ts";
import type { ConnectBroker } from "./broker-port.ts";
import type { KindContext } from "./kinds.ts";

const utf8 = new TextEncoder();

/** The batch's records, as they were, to the dead-letter topic with the failure in `__connect.errors.*` headers (KIP-298). */
export async function deadLetter(
  broker: ConnectBroker,
  ctx: KindContext,
  dlqName: string,
  topic: TopicInfo,
  p: number,
  records: DecodedRecord[],
  reason: string,
  attempts: number,
  status?: number,
) {
  const dlq = await broker.topic(dlqName);
  if (!dlq.ok) return dlq;
  const now = ctx.now();
  const errors = (r: DecodedRecord): Header[] => [
    ["__connect.errors.topic", utf8.encode(topic.name)],
    ["__connect.errors.partition", utf8.encode(String(p))],
    ["__connect.errors.offset", utf8.encode(String(r.offset))],
    ["__connect.errors.connector.name", utf8.encode(ctx.connector)],
    ["__connect.errors.exception.message", utf8.encode(reason)],
    ["__connect.errors.attempts", utf8.encode(String(attempts))],
    ["__connect.errors.timestamp", utf8.encode(String(now))],
    ...(status === undefined ? [] : ([["__connect.errors.http.status", utf8.encode(String(status))]] as Header[])),
  ];
  const input = records.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp, headers: [...r.headers, ...errors(r)] }));
  return broker.append(dlq, input, p % dlq.partitions);
}
