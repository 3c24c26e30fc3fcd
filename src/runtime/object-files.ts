// Where an object's database lives: <data dir>/<kind>/<encoded name>.sqlite, one file per object
// (one per partition "<topic>/<partition>", one for "cluster", one per group). File per object
// mirrors a Durable Object's private storage: objects never contend for a lock or a WAL, deleting
// or moving one object's data is a file operation, and a corrupted file stays one object's problem.
//
// Names are encoded so that every object gets its own file on any filesystem: lowercase letters,
// digits, "." "_" "-" stay as they are, everything else (including "/" and upper case, for
// case-insensitive filesystems) becomes %XX of its UTF-8 bytes. A name whose encoding would not
// fit a file name keeps a prefix and gets a 64-bit FNV-1a hash of the full name appended.
import { join } from "node:path";

const SAFE = /^[a-z0-9._-]$/;
const MAX_FILE_NAME = 200;

function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}

export function encodeObjectName(name: string): string {
  let out = "";
  for (const ch of name) {
    if (SAFE.test(ch)) out += ch;
    else for (const byte of new TextEncoder().encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  if (out === "" || out === "." || out === "..") out = `%${out}`;
  return out.length <= MAX_FILE_NAME ? out : `${out.slice(0, MAX_FILE_NAME - 17)}~${fnv1a64(name)}`;
}

export function objectFile(dataDir: string, kind: string, name: string): string {
  return join(dataDir, kind, `${encodeObjectName(name)}.sqlite`);
}
