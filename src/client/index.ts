// edgebroker/client — the TypeScript SDK for the edgebroker HTTP API. Fetch-based and free of
// runtime-specific imports: it runs on Cloudflare Workers, in browsers, and on Node, Bun and Deno.
export { Producer, type ProducerOptions } from "./producer.ts";
export { Consumer, type ConsumerOptions, type PartitionsListener } from "./consumer.ts";
export {
  Admin,
  type CreatedKey,
  type Grant,
  type GroupDescription,
  type GroupListing,
  type KeyListing,
  type OffsetSpec,
  type Operation,
  type PartitionDescription,
  type ResetOffsetsRequest,
  type ResetOffsetResult,
  type ResetTarget,
  type TopicDescription,
  type TopicListing,
} from "./admin.ts";
export { EdgebrokerError, ProducerFencedError } from "./errors.ts";
export type { GroupMetadata, SendOffsetsRequest, Transaction } from "./transaction.ts";
export { murmur2, partitionForKey } from "./partitioner.ts";
export type { RetryOptions } from "./retry.ts";
export type { DecodeMode } from "./codec.ts";
export type {
  ClientOptions,
  ConsumerRecord,
  Encoding,
  FetchLike,
  HeaderValue,
  Key,
  ProducerRecord,
  RecordMetadata,
  TopicPartition,
  TopicPartitionOffset,
} from "./types.ts";
