// What every command needs besides its own options: the connection (global --url/--token), the
// output mode, and option parsers shared by several commands. Parsers throw commander's
// InvalidArgumentError so a malformed value is a usage error (exit 2) with commander's message.
import { InvalidArgumentError, type Command } from "commander";
import { resolveConnection, type Connection, type GlobalOptions } from "./connection.ts";
import { exitAfterFlush } from "./output.ts";
import { debugEnabled } from "./report.ts";

export interface Context {
  conn: Connection;
  json: boolean;
  debug: boolean;
}

// The connection of the command being run, so main() can name the URL in an error message.
let current: Connection | undefined;
export const currentConnection = (): Connection | undefined => current;

export function contextOf(cmd: Command): Context {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  current = resolveConnection(g);
  return { conn: current, json: g.json === true, debug: debugEnabled(g.debug) };
}

/** The SDK's connection options for this context. */
export function clientOptions(ctx: Context): { url: string; token?: string } {
  return ctx.conn.token === undefined ? { url: ctx.conn.url } : { url: ctx.conn.url, token: ctx.conn.token };
}

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER ? `expected an integer ≥ ${min}` : `expected an integer from ${min} to ${max}`,
      );
    }
    return n;
  };
}

export function positiveNumber(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a number > 0");
  return n;
}

/** A timestamp as milliseconds since the epoch, or an ISO 8601 date/time. */
export function timestamp(raw: string): number {
  if (/^\d+$/.test(raw)) return Number(raw);
  const ms = Date.parse(raw);
  if (Number.isNaN(ms))
    throw new InvalidArgumentError("expected milliseconds since the epoch or an ISO 8601 time, e.g. 2026-01-31T12:00:00Z");
  return ms;
}

/** For repeatable `--config k=v` / `--header k=v`: collects into an object, later wins. */
export function keyValue(raw: string, previous: Record<string, string> | undefined): Record<string, string> {
  const at = raw.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError(`expected key=value, got ${JSON.stringify(raw)}`);
  return { ...previous, [raw.slice(0, at)]: raw.slice(at + 1) };
}

export function oneOf<T extends string>(values: readonly T[]): (raw: string) => T {
  return (raw) => {
    if (!(values as readonly string[]).includes(raw)) throw new InvalidArgumentError(`expected one of: ${values.join(", ")}`);
    return raw as T;
  };
}

/**
 * Ctrl-C (or SIGTERM): the first one runs `cleanup` (leave the group, flush, close) and ends with
 * 130 (143 for SIGTERM); a second one while cleanup hangs ends at once. Returns a function that removes the handler.
 */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  let interrupted = false;
  const handler = (signal: NodeJS.Signals) => {
    const code = signal === "SIGINT" ? 130 : 143;
    if (interrupted) process.exit(code);
    interrupted = true;
    cleanup().finally(() => void exitAfterFlush(code));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
