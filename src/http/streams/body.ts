// Message framing. A byte stream stores each append as one message; a JSON stream
// (application/json) stores each element of an appended array as one message, or the value itself
// when it is not an array, and reads answer a JSON array of the messages in order.
import { BrokerError } from "../../core/errors.ts";
import { mediaType } from "../../core/streams/streams.ts";
import { concatBytes } from "../../core/bytes.ts";
import { parseJsonBody } from "../body-decode.ts";

const encoder = new TextEncoder();

export function isJsonStream(contentType: string): boolean {
  return mediaType(contentType) === "application/json";
}

/** SSE carries text as is; any other content type is base64-encoded (PROTOCOL.md 5.8). */
export function isTextStream(contentType: string): boolean {
  const media = mediaType(contentType);
  return media.startsWith("text/") || media === "application/json";
}

/**
 * The messages of a request body. `initial` is a PUT body, where an empty JSON array creates an
 * empty stream; on POST an empty array appends nothing and is refused.
 */
export function bodyMessages(bytes: Uint8Array, json: boolean, initial: boolean): Uint8Array[] {
  if (!json) return bytes.length === 0 ? [] : [bytes];
  if (bytes.length === 0) return [];
  const value = parseJsonBody(bytes);
  if (!Array.isArray(value)) return [encoder.encode(JSON.stringify(value))];
  if (value.length === 0 && !initial) {
    throw new BrokerError("bad_request", "an empty JSON array appends nothing; send at least one message");
  }
  return value.map((v) => encoder.encode(JSON.stringify(v)));
}

/** A read's body: the messages concatenated, or for a JSON stream a JSON array of them. */
export function renderMessages(messages: Uint8Array[], json: boolean): Uint8Array {
  const parts: Uint8Array[] = json ? [] : messages;
  if (json) {
    parts.push(encoder.encode("["));
    messages.forEach((m, i) => {
      if (i > 0) parts.push(encoder.encode(","));
      parts.push(m);
    });
    parts.push(encoder.encode("]"));
  }
  return concatBytes(parts);
}
