// Decoding JSON and MessagePack request bodies without changing or crashing on what they hold.
// Each body is scanned once, iteratively, before it is decoded, so that
//   - nesting deeper than MAX_BODY_DEPTH is a 400 (`nesting_too_deep`), never a stack overflow
//     later in JSON.stringify or a validator;
//   - text is strict UTF-8 (WHATWG Encoding, fatal decoder): invalid bytes are a 400
//     (`invalid_utf8`), never replaced by U+FFFD or read as Latin-1;
//   - a number the broker cannot store as it came is a 400: NaN / ±Infinity
//     (`non_finite_number`, JSON text has no such values) and, where the caller cannot keep
//     64-bit integers exactly, an integer a double cannot hold (`integer_out_of_range`);
//   - MessagePack extension types (ext, fixext, the -1 timestamp) are refused: they would
//     reach the log re-encoded as something else.
// MessagePack int64/uint64 decode as bigint (MessagePack spec, "int format family"); those within
// ±(2^53 − 1) become plain numbers, the others are kept as bigint only when asked (produce writes
// them into the stored JSON text digit for digit, see json-text.ts).
import { decode } from "@msgpack/msgpack";
import { BrokerError } from "../core/errors.ts";
import { integerIsExact } from "../shared/json-numbers.ts";
import { MAX_BODY_DEPTH } from "../core/limits.ts";

// A body may open with a byte order mark (not data); a string inside MessagePack keeps one.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const strictUtf8KeepBom = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export interface DecodeOptions {
  /** Keep MessagePack integers beyond ±(2^53 − 1) as bigint instead of refusing them. */
  bigints?: boolean;
}

function tooDeep(): never {
  throw new BrokerError("nesting_too_deep", `the body nests arrays/objects more than ${MAX_BODY_DEPTH} levels deep (the limit)`, {
    limit: MAX_BODY_DEPTH,
  });
}

function notFinite(what: string): never {
  throw new BrokerError("non_finite_number", `the body holds ${what}, which JSON cannot represent; send it as a string`);
}

function outOfRange(digits: string): never {
  throw new BrokerError(
    "integer_out_of_range",
    `the integer ${digits} cannot be stored exactly (a JSON number here is an IEEE-754 double: integers up to ±(2^53 − 1)); send it as a string`,
  );
}

export function decodeUtf8(bytes: Uint8Array, what = "the body"): string {
  try {
    return (what === "the body" ? strictUtf8 : strictUtf8KeepBom).decode(bytes);
  } catch {
    throw new BrokerError("invalid_utf8", `${what} is not valid UTF-8`);
  }
}

const isDigit = (c: number) => c >= 48 && c <= 57;

function checkNumber(token: string, integer: boolean): void {
  if (integer) {
    if (/^-?[0-9]+$/.test(token) && !integerIsExact(token)) outOfRange(token);
  } else {
    const n = Number(token);
    if (n === Infinity || n === -Infinity)
      notFinite(`the number ${token.length > 40 ? `${token.slice(0, 40)}…` : token} (beyond a double's range)`);
  }
}

/**
 * Depth and number checks over JSON text; syntax errors are left to JSON.parse. Strings are
 * skipped with indexOf (they are most of a body), and a number is only looked at closely when it
 * could be inexact (an integer of 16+ digits) or overflow (an exponent, or 300+ characters).
 */
function scanJson(text: string): void {
  const len = text.length;
  let depth = 0;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j < 0) return; // unterminated: JSON.parse reports it
        let backslashes = 0;
        while (text.charCodeAt(j - 1 - backslashes) === 92 /* \ */) backslashes++;
        if ((backslashes & 1) === 0) break;
      }
      i = j;
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > MAX_BODY_DEPTH) tooDeep();
    } else if (c === 93 || c === 125) {
      depth--;
    } else if (c === 45 /* - */ || isDigit(c)) {
      let j = i + 1;
      let integer = true;
      let exponent = false;
      for (; j < len; j++) {
        const d = text.charCodeAt(j);
        if (isDigit(d)) continue;
        if (d === 46 || d === 43 || d === 45) integer = false;
        else if (d === 101 || d === 69) integer = !(exponent = true);
        else break;
      }
      if (integer ? j - i > 15 : exponent || j - i >= 300) checkNumber(text.slice(i, j), integer);
      i = j - 1;
    }
  }
}

/** Strict JSON: UTF-8, depth-limited, numbers kept as written or refused. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  const text = decodeUtf8(bytes);
  scanJson(text);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BrokerError("invalid_json", `the body is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * One pass over MessagePack bytes with an explicit stack of item counts (no recursion). Returns
 * whether a 64-bit integer occurs; stops quietly at a truncated or malformed item, which the
 * decoder then reports.
 */
function scanMsgpack(b: Uint8Array): boolean {
  try {
    return scanItems(b);
  } catch (e) {
    if (e === TRUNCATED) return true;
    throw e;
  }
}

const TRUNCATED = Symbol("truncated");

function scanItems(b: Uint8Array): boolean {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const stack: number[] = [];
  let remaining = 1;
  let pos = 0;
  let has64 = false;
  const need = (n: number) => {
    if (pos + n > b.length) throw TRUNCATED;
    return true;
  };
  for (;;) {
    while (remaining === 0) {
      if (stack.length === 0) return has64;
      remaining = stack.pop()!;
    }
    need(1);
    remaining--;
    const t = b[pos++]!;
    let items = -1;
    let str = -1;
    let skip = 0;
    if (t <= 0x7f || t >= 0xe0) skip = 0;
    else if (t <= 0x8f) items = (t & 0x0f) * 2;
    else if (t <= 0x9f) items = t & 0x0f;
    else if (t <= 0xbf) str = t & 0x1f;
    else {
      const len = (n: 1 | 2 | 4): number => {
        need(n);
        const v = n === 1 ? b[pos]! : n === 2 ? view.getUint16(pos) : view.getUint32(pos);
        pos += n;
        return v;
      };
      switch (t) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          break;
        case 0xc4:
          skip = len(1);
          break;
        case 0xc5:
          skip = len(2);
          break;
        case 0xc6:
          skip = len(4);
          break;
        case 0xca:
          if (need(4) && !Number.isFinite(view.getFloat32(pos))) notFinite(String(view.getFloat32(pos)));
          skip = 4;
          break;
        case 0xcb:
          if (need(8) && !Number.isFinite(view.getFloat64(pos))) notFinite(String(view.getFloat64(pos)));
          skip = 8;
          break;
        case 0xcc:
        case 0xd0:
          skip = 1;
          break;
        case 0xcd:
        case 0xd1:
          skip = 2;
          break;
        case 0xce:
        case 0xd2:
          skip = 4;
          break;
        case 0xcf:
        case 0xd3:
          has64 = true;
          skip = 8;
          break;
        case 0xd9:
          str = len(1);
          break;
        case 0xda:
          str = len(2);
          break;
        case 0xdb:
          str = len(4);
          break;
        case 0xdc:
          items = len(2);
          break;
        case 0xdd:
          items = len(4);
          break;
        case 0xde:
          items = len(2) * 2;
          break;
        case 0xdf:
          items = len(4) * 2;
          break;
        case 0xc7:
        case 0xc8:
        case 0xc9:
        case 0xd4:
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8:
          throw new BrokerError(
            "invalid_msgpack",
            "MessagePack extension types (ext, fixext, timestamps) are not accepted: send numbers, strings, bin, arrays and maps",
          );
        default:
          return has64; // 0xc1 is never used; the decoder refuses it
      }
    }
    if (str >= 0) {
      need(str);
      decodeUtf8(b.subarray(pos, pos + str), "a MessagePack string");
      pos += str;
    } else if (items >= 0) {
      stack.push(remaining);
      if (stack.length > MAX_BODY_DEPTH) tooDeep();
      remaining = items;
    } else {
      need(skip);
      pos += skip;
    }
  }
}

/** bigints within the safe range become numbers; the others stay (bigints) or are refused. */
function settleBigints(root: unknown, keep: boolean): unknown {
  const settle = (v: unknown): unknown => {
    if (typeof v !== "bigint") return v;
    if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    if (!keep) outOfRange(v.toString());
    return v;
  };
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        node[i] = settle(node[i]);
        if (node[i] && typeof node[i] === "object") stack.push(node[i]);
      }
    } else if (node && typeof node === "object" && !(node instanceof Uint8Array)) {
      const o = node as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        o[k] = settle(o[k]);
        if (o[k] && typeof o[k] === "object") stack.push(o[k]);
      }
    }
  }
  return settle(root);
}

/** Strict MessagePack: UTF-8 strings, depth-limited, no NaN/Infinity, no extension types. */
export function parseMsgpackBody(bytes: Uint8Array, opts: DecodeOptions = {}): unknown {
  const has64 = scanMsgpack(bytes);
  let value: unknown;
  try {
    value = decode(bytes, { useBigInt64: has64 });
  } catch (err) {
    throw new BrokerError("invalid_msgpack", `the body is not valid MessagePack: ${(err as Error).message}`);
  }
  return has64 ? settleBigints(value, opts.bigints === true) : value;
}
