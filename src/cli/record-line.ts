// One input line → one record, the way kafka-console-producer reads them: `key<sep>value` when a
// key separator is given (split at its first occurrence), else the whole line is the value.
// A value is sent as JSON when the line parses as JSON (`--value-format auto`, the default), so
// `{"amount": 5}` arrives as an object and `hello` as the string "hello"; `string` sends every
// line as a string, `json` refuses a line that is not JSON.

import { findInexactInteger } from "../shared/json-numbers.ts";

export const VALUE_FORMATS = ["auto", "json", "string"] as const;
export type ValueFormat = (typeof VALUE_FORMATS)[number];

export interface LineRecord {
  key: string | null;
  value: unknown;
}

export class LineError extends Error {
  override name = "LineError";
}

const utf8 = new TextEncoder();

function parseValue(text: string, format: ValueFormat, lineNo: number): unknown {
  if (format === "string") return text;
  try {
    const value: unknown = JSON.parse(text);
    // An integer a double cannot hold (e.g. 18446744073709551615) would lose digits through
    // JSON.parse: the line's JSON text is sent as its bytes instead, stored exactly as typed.
    return findInexactInteger(text) === undefined ? value : utf8.encode(text.trim());
  } catch {
    if (format === "json") throw new LineError(`line ${lineNo}: not JSON (use --value-format string or auto): ${text.slice(0, 60)}`);
    return text;
  }
}

export function recordFromLine(line: string, lineNo: number, options: { keySeparator?: string; valueFormat: ValueFormat }): LineRecord {
  if (options.keySeparator === undefined) return { key: null, value: parseValue(line, options.valueFormat, lineNo) };
  const at = line.indexOf(options.keySeparator);
  if (at < 0)
    throw new LineError(`line ${lineNo}: no key separator ${JSON.stringify(options.keySeparator)} in ${JSON.stringify(line.slice(0, 60))}`);
  return { key: line.slice(0, at), value: parseValue(line.slice(at + options.keySeparator.length), options.valueFormat, lineNo) };
}
