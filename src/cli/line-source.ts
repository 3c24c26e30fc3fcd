// Lines from stdin or a file, streamed (a 10 GB file never sits in memory), with the bytes read so
// far for a progress bar. Windows line endings are accepted: readline drops the \r of \r\n.
import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { UsageError } from "./exit-codes.ts";

export interface LineSource {
  lines: AsyncIterable<string>;
  /** Size of the file, or undefined for stdin. */
  totalBytes: number | undefined;
  bytesRead(): number;
  close(): void;
}

export function openLines(file: string | undefined): LineSource {
  let input: Readable;
  let totalBytes: number | undefined;
  if (file !== undefined && file !== "-") {
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new UsageError(`--file ${file} is not a regular file`);
      totalBytes = stat.size;
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(
        `cannot read --file ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`,
      );
    }
    input = createReadStream(file);
  } else {
    input = process.stdin;
  }
  let read = 0;
  input.on("data", (chunk: Buffer | string) => (read += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length));
  const rl = createInterface({ input, crlfDelay: Infinity });
  return { lines: rl, totalBytes, bytesRead: () => read, close: () => rl.close() };
}
