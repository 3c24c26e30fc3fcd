// Kafka's key partitioner, the broker's own implementation (src/shared is the dependency-free
// layer both the broker and the SDK import), so a keyed record is assigned here exactly where the
// broker itself would put it.
export { murmur2, partitionForKey } from "../shared/partitioner.ts";
