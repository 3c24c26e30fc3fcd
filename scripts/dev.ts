// `npm run dev`: the local broker on workerd (wrangler dev), state persisted under .wrangler/state.
// Access needs an admin token; if EDGEBROKER_ADMIN_TOKEN is not set, a random one is generated on
// first start, kept in .wrangler/state/admin-token (readable only by you) and printed, so curl
// examples can use `TOKEN=$(cat .wrangler/state/admin-token)`.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// EDGEBROKER_DEV_STATE moves the state elsewhere (the restart test uses a temporary directory).
const stateDir = process.env.EDGEBROKER_DEV_STATE ?? ".wrangler/state";
const tokenFile = join(stateDir, "admin-token");
const port = process.env.PORT ?? "8787";

function adminToken(): string {
  if (process.env.EDGEBROKER_ADMIN_TOKEN) return process.env.EDGEBROKER_ADMIN_TOKEN;
  if (existsSync(tokenFile)) return readFileSync(tokenFile, "utf8").trim();
  mkdirSync(stateDir, { recursive: true });
  const token = randomBytes(24).toString("base64url");
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  return token;
}

const token = adminToken();
console.log(`edgebroker dev: http://127.0.0.1:${port}  (state in ${stateDir})`);
console.log(
  process.env.EDGEBROKER_ADMIN_TOKEN
    ? "admin token: taken from EDGEBROKER_ADMIN_TOKEN"
    : `admin token: ${token}  (also in ${tokenFile}; set EDGEBROKER_ADMIN_TOKEN to choose your own)`,
);

const child = spawn(
  "wrangler",
  [
    "dev",
    "--port",
    port,
    "--ip",
    process.env.HOST ?? "127.0.0.1",
    "--persist-to",
    stateDir,
    "--var",
    `EDGEBROKER_ADMIN_TOKEN:${token}`,
    "--show-interactive-dev-session=false",
  ],
  { stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
