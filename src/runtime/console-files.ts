// The web console's built files (build/console/, `npm run build:console`) for the portable route
// (src/http/console/routes.ts), read from disk on Node, Bun and Deno. The route has already
// checked the path is plain segments; resolving it under the folder keeps that true here too.
import { readFile } from "node:fs/promises";

export const CONSOLE_DIR = new URL("../../build/console/", import.meta.url);

export function consoleFiles(dir: URL = CONSOLE_DIR): (path: string) => Promise<Uint8Array | null> {
  return async (path) => {
    const file = new URL(path, dir);
    if (!file.href.startsWith(dir.href)) return null;
    try {
      return new Uint8Array(await readFile(file));
    } catch {
      return null; // missing (or unreadable, e.g. Deno without --allow-read of the folder): 404
    }
  };
}
