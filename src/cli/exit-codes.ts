// What the CLI's exit status means, so scripts can tell "fix your command" from "the broker said
// no" from "nothing is listening" without parsing messages. One table, mapped from errors in one
// place (reportError), like Hono's single onError.
export const EXIT = {
  ok: 0,
  /** The broker refused or failed the operation (its error code and message are printed). */
  failed: 1,
  /** A bad command line: unknown command or option, missing or malformed argument. */
  usage: 2,
  /** No answer from the broker: connection refused, DNS, TLS, timeout. */
  network: 3,
  /** 401/403: no token, a wrong token, or a key without the grant. */
  auth: 4,
  /** Stopped by Ctrl-C (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A mistake on the command line found after parsing (a malformed --header, a missing file). */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * A refusal the CLI makes itself, for what the broker would refuse or what only CLI flags can fix
 * (an offset outside the log, a reset needing --force): printed as `code: message`, exit 1.
 */
export class CliFailure extends Error {
  override name = "CliFailure";
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}
