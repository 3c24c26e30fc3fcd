// Compiles the SDK, the CLI and the server (npm run build → dist/) once before the CLI tests, so they run
// exactly what `npx edgebroker` runs.
import { execFileSync } from "node:child_process";

export default function setup(): void {
  const root = new URL("../../", import.meta.url).pathname;
  for (const config of ["tsconfig.client.json", "tsconfig.cli.json", "tsconfig.server.json"]) {
    execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-p", config], { cwd: root, stdio: "inherit" });
  }
}
