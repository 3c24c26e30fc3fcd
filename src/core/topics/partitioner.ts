// The broker's keyed partitioner. The function itself lives in src/shared/partitioner.ts, a
// dependency-free module below every layer, because the SDK (src/client) must compute the very
// same partition for a key and may not import the broker core. One implementation, two importers:
// the producer and the broker can never disagree about where a key goes.
export { murmur2, partitionForKey } from "../../shared/partitioner.ts";
