// Where the broker is and which token to present, from the global options and the environment.
// For local development a missing token falls back to the admin token `npm run dev` keeps in
// .wrangler/state/admin-token of the package (npm runs scripts there, whatever the shell's
// directory) — but only for a broker on this machine, so a local secret is never sent to a
// remote URL by accident.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "./exit-codes.ts";
import { PACKAGE_ROOT } from "./package-root.ts";

export const DEFAULT_URL = "http://127.0.0.1:8787";
export const DEV_TOKEN_FILE = join(".wrangler", "state", "admin-token");

export interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
  debug?: boolean;
}

export interface Connection {
  url: string;
  token: string | undefined;
  /** Where the token came from, for messages about a refused token. */
  tokenSource: string;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export function brokerUrl(raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(raw)} is not a URL (expected e.g. ${DEFAULT_URL})`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UsageError(`--url must be an http:// or https:// URL, got ${JSON.stringify(raw)}`);
  }
  return raw.replace(/\/+$/, "");
}

export function resolveConnection(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Connection {
  const url = brokerUrl(opts.url ?? (env.EDGEBROKER_URL || DEFAULT_URL));
  if (opts.token) return { url, token: opts.token, tokenSource: "--token" };
  if (env.EDGEBROKER_TOKEN) return { url, token: env.EDGEBROKER_TOKEN, tokenSource: "EDGEBROKER_TOKEN" };
  // EDGEBROKER_DEV_STATE is where scripts/dev.ts was told to keep its state.
  const file = join(env.EDGEBROKER_DEV_STATE ? env.EDGEBROKER_DEV_STATE : join(PACKAGE_ROOT, ".wrangler", "state"), "admin-token");
  if (LOOPBACK.has(new URL(url).hostname) && existsSync(file)) {
    const token = readFileSync(file, "utf8").trim();
    if (token) return { url, token, tokenSource: file };
  }
  return { url, token: undefined, tokenSource: "none" };
}
