// Everything the CLI writes goes through here: data on stdout (plain text, or JSON for scripts
// with --json), messages on stderr. Colors only when the stream is a terminal and NO_COLOR is not
// set (https://no-color.org), so piped output never carries escape codes.
import pc from "picocolors";

type Colors = ReturnType<typeof pc.createColors>;

function colorsFor(stream: NodeJS.WriteStream): Colors {
  const wanted = stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== "dumb";
  return pc.createColors(wanted);
}

/** Colors for what goes to stdout and stderr respectively (either may be a terminal alone). */
export const out = colorsFor(process.stdout);
export const err = colorsFor(process.stderr);

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function printLine(line = ""): void {
  process.stdout.write(`${line}\n`);
}

/** A note for the person at the terminal; never part of the data a script reads. */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`${err.yellow("warning:")} ${message}\n`);
}

// Escape codes have no width; strip them before measuring a cell.
const ANSI = /\u001b\[[0-9;]*m/g;
const width = (s: string) => s.replace(ANSI, "").length;

/** Columns padded to their widest cell; the header dimmed on a terminal. */
export function printTable(header: string[], rows: Array<Array<string | number | null | undefined>>): void {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? "-" : String(c))));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => width(r[i] ?? ""))));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c + " ".repeat(widths[i]! - width(c)))).join("  ");
  printLine(out.dim(line(header)));
  for (const r of cells) printLine(line(r));
}

/** `key: value` lines for one object, keys aligned. */
export function printFields(fields: Array<[string, unknown]>): void {
  const w = Math.max(...fields.map(([k]) => k.length));
  for (const [k, v] of fields) printLine(`${out.dim(`${k}:`.padEnd(w + 1))} ${typeof v === "string" ? v : JSON.stringify(v)}`);
}

/**
 * Ends the process once stdout and stderr have handed everything to the OS. Writes to a pipe are
 * asynchronous on POSIX, so a bare process.exit() can cut off the last records of a consume.
 */
export async function exitAfterFlush(code: number): Promise<never> {
  const flushed = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => (stream.writableLength === 0 ? resolve() : stream.write("", () => resolve())));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/** 1234567 → "1,234,567" for humans; scripts get the raw numbers through --json. */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

export function rate(n: number, ms: number): number {
  return ms > 0 ? (n * 1000) / ms : 0;
}
