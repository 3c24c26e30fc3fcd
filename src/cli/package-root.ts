// The installed package's root directory: src/cli/*.ts and dist/cli/*.js both sit two levels
// below it. `npm run dev` keeps its state (and admin token) there, and the servers live there.
import { fileURLToPath } from "node:url";

export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));
