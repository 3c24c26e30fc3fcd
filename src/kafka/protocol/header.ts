// Request and response headers (RequestHeader.json / ResponseHeader.json). Request header v1:
// api_key int16, api_version int16, correlation_id int32, client_id NULLABLE_STRING; v2 (the
// flexible versions of every API) adds TAGGED_FIELDS — and keeps client_id a classic string
// ("flexibleVersions": "none"). Response header v0 is the correlation id; v1 adds TAGGED_FIELDS.
// ApiVersions always answers with header v0, whatever its version, so a client that does not yet
// know the broker's versions can parse the answer (KIP-511).
import { Reader } from "./reader.ts";
import { Writer } from "./writer.ts";

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export const API_VERSIONS_KEY = 18;

/** Reads the fixed part every request starts with; enough to answer even an unknown API. */
export function readRequestHeader(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.nullableString();
  return { apiKey, apiVersion, correlationId, clientId };
}

/** After readRequestHeader: header v2 (flexible requests) ends with tagged fields. */
export function skipHeaderTags(r: Reader, flexible: boolean): void {
  if (flexible) r.taggedFields();
}

/** Starts a response frame: the int32 size (patched by finishFrame), the correlation id and, in header v1, empty tagged fields. */
export function startResponse(correlationId: number, headerV1: boolean, capacity = 256): Writer {
  const w = new Writer(capacity);
  w.int32(0).int32(correlationId);
  if (headerV1) w.uvarint(0);
  return w;
}

export function finishFrame(w: Writer): Uint8Array {
  w.patchInt32(0, w.offset - 4);
  return w.finish();
}
