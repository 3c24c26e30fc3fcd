// Turns any failure into one short line on stderr and the exit code that classifies it
// (exit-codes.ts). Stack traces only with --debug or EDGEBROKER_DEBUG: a person running a command
// wants the broker's reason, not our call stack.
import { EXIT, UsageError, type ExitCode } from "./exit-codes.ts";
import type { Connection } from "./connection.ts";
import { err as c } from "./output.ts";

// The SDK's EdgebrokerError, seen through the fields the CLI needs (status is absent or 0 when no
// HTTP answer arrived).
interface BrokerFailure {
  code: string;
  message: string;
  status?: number;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET", "UND_ERR_HEADERS_TIMEOUT", "CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT",
  "network_error", "network", "timeout", "request_timeout",
]);

function isBrokerFailure(e: unknown): e is BrokerFailure {
  return e instanceof Error && typeof (e as { code?: unknown }).code === "string" && "status" in e;
}

/** The innermost system error code along the `cause` chain (fetch wraps ECONNREFUSED twice). */
function causeCode(e: unknown): string | undefined {
  let found: string | undefined;
  for (let cur = e, depth = 0; cur && typeof cur === "object" && depth < 6; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string") found = code;
  }
  return found;
}

function isNetwork(e: unknown): boolean {
  if (isBrokerFailure(e) && e.status) return false;
  const code = causeCode(e);
  if (code && NETWORK_CODES.has(code)) return true;
  const name = (e as { name?: string } | undefined)?.name;
  return name === "TimeoutError" || (e instanceof TypeError && /fetch failed/i.test(e.message));
}

export function exitCodeFor(e: unknown): ExitCode {
  if (e instanceof UsageError) return EXIT.usage;
  // The SDK's own argument checks (before any request): a bad value the user gave us.
  if (isBrokerFailure(e) && e.code === "invalid_argument" && !e.status) return EXIT.usage;
  if (isBrokerFailure(e) && (e.status === 401 || e.status === 403)) return EXIT.auth;
  if (isNetwork(e)) return EXIT.network;
  return EXIT.failed;
}

function explain(e: unknown, conn: Connection | undefined): string {
  if (e instanceof UsageError) return `${e.message}\n(run with --help for usage)`;
  const where = conn ? conn.url : "the broker";
  if (isNetwork(e)) {
    const code = causeCode(e);
    return `cannot reach ${where}${code && code !== "network_error" ? ` (${code})` : ""}: is the broker running? ` +
      "Start one with `npm run dev`, or point --url / EDGEBROKER_URL at it.";
  }
  if (isBrokerFailure(e)) {
    let text = `${e.code}: ${e.message}`;
    if (e.status === 401) {
      text += conn?.tokenSource === "none"
        ? "\n(no token given: pass --token or set EDGEBROKER_TOKEN)"
        : `\n(the token from ${conn?.tokenSource ?? "--token"} was not accepted)`;
    }
    return text;
  }
  return e instanceof Error ? e.message : String(e);
}

export function debugEnabled(flag: boolean | undefined): boolean {
  return flag === true || ["1", "true", "yes"].includes((process.env.EDGEBROKER_DEBUG ?? "").toLowerCase());
}

/** Prints the failure and returns the exit code to end with. */
export function reportError(e: unknown, conn: Connection | undefined, debug: boolean): ExitCode {
  process.stderr.write(`${c.red("error:")} ${explain(e, conn)}\n`);
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${c.dim(e.stack)}\n`);
  return exitCodeFor(e);
}
