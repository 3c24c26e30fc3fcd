// Where a live tail (SSE or WebSocket) starts: `?offset=N|earliest|latest`, or — for an EventSource
// reconnecting — the `Last-Event-ID` header, which wins because the browser resends the original
// URL. An event's id is its record's offset, so a resume starts at id + 1: no gap, no duplicate.
import { BrokerError } from "../../core/errors.ts";
import { EARLIEST, LATEST } from "../../core/log/partition-types.ts";
import { intParam } from "../params.ts";

export function tailStart(query: string | undefined, lastEventId: string | undefined): number {
  if (lastEventId !== undefined && lastEventId.trim() !== "") return intParam("Last-Event-ID", lastEventId.trim()) + 1;
  if (query === undefined || query === "" || query === "latest") return LATEST;
  if (query === "earliest") return EARLIEST;
  return intParam("offset", query);
}

/** A positive integer query parameter with a default, a maximum and (default 1) a minimum. */
export function positiveParam(name: string, raw: string | undefined, def: number, max: number, min = 1): number {
  const value = intParam(name, raw, { default: def, max });
  if (value < min) throw new BrokerError("invalid_parameter", `${name}: must be at least ${min}`, { minimum: min });
  return value;
}
