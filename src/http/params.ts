// Path and query parameters: integers are checked strictly so "12abc", "-1" or "1e3" is a 400
// naming the parameter, never a NaN travelling into the log.
import { BrokerError } from "../core/errors.ts";

const INTEGER = /^(0|[1-9][0-9]*)$/;

export function intParam(name: string, raw: string | undefined, opts: { default?: number; max?: number } = {}): number {
  if (raw === undefined || raw === "") {
    if (opts.default !== undefined) return opts.default;
    throw new BrokerError("invalid_parameter", `${name}: required`);
  }
  if (!INTEGER.test(raw)) throw new BrokerError("invalid_parameter", `${name}: expected a non-negative integer, got "${raw}"`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new BrokerError("invalid_parameter", `${name}: ${raw} is too large`);
  if (opts.max !== undefined && value > opts.max) {
    throw new BrokerError("invalid_parameter", `${name}: ${value} exceeds the maximum of ${opts.max}`, { limit: opts.max });
  }
  return value;
}

/** A partition path parameter that must exist in the topic. */
export function partitionParam(raw: string | undefined, topic: { name: string; partitions: number }): number {
  const partition = intParam("partition", raw);
  if (partition >= topic.partitions) {
    throw new BrokerError(
      "partition_not_found",
      `topic "${topic.name}" has partitions 0 to ${topic.partitions - 1}; partition ${partition} does not exist`,
    );
  }
  return partition;
}
