// Stream path → topic name. A Durable Streams URL path may be long and contain `/` and any
// character; a topic name is at most 249 of [a-zA-Z0-9._-]. The mapping is deterministic, so no
// registry is consulted on the hot path, and readable, so grants can name stream prefixes:
//   - each `/` becomes `.`; letters, digits and `-` stay; every other byte of the UTF-8 path
//     (including `.` and `_`) becomes `_XX` (uppercase hex). `ds.` is prepended.
//     /ds/chat/room-1 → ds.chat.room-1,  /ds/a.b_c → ds.a_2Eb_5Fc
//   - a name that would exceed 249 characters becomes `dsh.` + SHA-256 of the path (hex).
// Distinct paths never share a topic: the escaped form is reversible, and hashed names have their
// own prefix. Grants on `topic:ds*` cover every stream.
import { MAX_TOPIC_NAME_LENGTH } from "../../core/topics/config.ts";

const PLAIN = /[A-Za-z0-9-]/;
const encoder = new TextEncoder();

function escapeSegment(segment: string): string {
  let out = "";
  for (const ch of segment) {
    if (PLAIN.test(ch)) out += ch;
    else for (const b of encoder.encode(ch)) out += "_" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

export async function topicForStream(path: string): Promise<string> {
  const readable = "ds." + path.split("/").map(escapeSegment).join(".");
  if (readable.length <= MAX_TOPIC_NAME_LENGTH) return readable;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(path)));
  return "dsh." + [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The stream path of a readable topic name (the inverse of topicForStream), or undefined. */
export function streamForTopic(name: string): string | undefined {
  if (!name.startsWith("ds.")) return undefined;
  const segments = name
    .slice(3)
    .split(".")
    .map((segment) => {
      const bytes: number[] = [];
      for (let i = 0; i < segment.length; i++) {
        if (segment[i] === "_") {
          bytes.push(parseInt(segment.slice(i + 1, i + 3), 16));
          i += 2;
        } else bytes.push(segment.charCodeAt(i));
      }
      return new TextDecoder().decode(new Uint8Array(bytes));
    });
  return segments.join("/");
}
