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
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_HEADERS_TIMEOUT",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "network_error",
  "network",
  "timeout",
  "request_timeout",
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

// TLS spoken to a plain-HTTP server (or the reverse) fails inside the connection with codes like
// these (OpenSSL's "wrong version number", llhttp's "Expected HTTP/"): no answer, so exit 3.
const TLS_MISMATCH = /SSL|TLS|EPROTO|HPE_|CERT|UND_ERR_SOCKET/;

function isNetwork(e: unknown): boolean {
  if (isBrokerFailure(e) && e.status) return false;
  // The SDK's own codes for "no HTTP answer arrived", whatever the system error below them.
  if (isBrokerFailure(e) && (e.code === "network_error" || e.code === "timeout")) return true;
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
    const tls =
      code !== undefined && TLS_MISMATCH.test(code)
        ? `\n(a TLS problem: does the server speak ${where.startsWith("https:") ? "plain HTTP? then use an http:// URL" : "TLS? then use an https:// URL"}, or is its certificate not trusted?)`
        : "";
    return (
      `cannot reach ${where}${code && code !== "network_error" ? ` (${code})` : ""}: is the broker running? ` +
      "Start one with `npm run dev`, or point --url / EDGEBROKER_URL at it." +
      tls
    );
  }
  if (isBrokerFailure(e)) {
    let text = `${e.code}: ${e.message}`;
    if (e.status === 401) {
      text +=
        conn?.tokenSource === "none"
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

/** A stable snake_case code for --json errors: the broker's, or one naming the failure's class. */
function errorCode(e: unknown): string {
  if (e instanceof UsageError) return "usage_error";
  if (isNetwork(e)) return "network_error";
  if (isBrokerFailure(e)) return e.code;
  return "error";
}

/** With --debug: the error's stack, then every `cause` below it (fetch hides the system error there). */
function debugChain(e: unknown): string {
  const lines: string[] = [];
  for (let cur = e, depth = 0; cur !== undefined && cur !== null && depth < 8; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = typeof (cur as { code?: unknown }).code === "string" ? ` [${(cur as { code: string }).code}]` : "";
    const head = depth === 0 ? "" : "caused by: ";
    if (cur instanceof Error) lines.push(`${head}${cur.stack ?? `${cur.name}: ${cur.message}`}${code}`);
    else lines.push(`${head}${typeof cur === "object" ? JSON.stringify(cur) : String(cur)}`);
    if (typeof cur !== "object") break;
  }
  return lines.join("\n");
}

/**
 * Prints the failure and returns the exit code to end with. With --json it is one JSON document
 * on stderr, `{"error": {"code", "message", "exit_code"}}`, so scripts parse failures as they parse
 * results.
 */
export function reportError(e: unknown, conn: Connection | undefined, debug: boolean, json = false): ExitCode {
  const exit = exitCodeFor(e);
  if (json) {
    // The broker's message as it is (its code has a field of its own); anything else explained.
    const message = isBrokerFailure(e) && !isNetwork(e) ? e.message : e instanceof UsageError ? e.message : explain(e, conn);
    process.stderr.write(`${JSON.stringify({ error: { code: errorCode(e), message, exit_code: exit } })}\n`);
  } else {
    process.stderr.write(`${c.red("error:")} ${explain(e, conn)}\n`);
  }
  if (debug) process.stderr.write(`${c.dim(debugChain(e))}\n`);
  return exit;
}
