// Tailing a log file line by line for `edgebroker connect file` (Kafka Connect's FileStreamSource):
// complete lines from a stored position, across rotation. The position is the byte offset after
// the last line handed out, with the file's inode; the caller saves it (state file) only after
// the broker acknowledged those lines, so a restart resumes where the last acknowledgement was.
//
// Rotation: `path` now names another file (inode changed, `mv log log.1 && touch log`): the old
// file, still open, is read to its end first (its last line even without a newline), then the new
// one from byte 0. Truncation (`: > log`, copytruncate): the file is shorter than the position,
// so reading starts again at 0.
import { open, stat, type FileHandle } from "node:fs/promises";

export interface TailPosition {
  inode: number;
  position: number;
}

const CHUNK = 1 << 20;

export class FileTail {
  private readonly path: string;
  private handle: FileHandle | undefined;
  private inode = -1;
  private position = 0;
  /** Bytes of a line not yet ended by a newline (not handed out, not counted in `position`). */
  private partial = new Uint8Array(0);
  private readonly decoder = new TextDecoder();

  constructor(path: string) {
    this.path = path;
  }

  /** Opens the file, resuming at `from` when it is still the same file and at least that long. */
  async open(from: TailPosition | undefined): Promise<void> {
    const handle = await open(this.path, "r");
    const s = await handle.stat();
    this.handle = handle;
    this.inode = s.ino;
    this.position = from && from.inode === s.ino && from.position <= s.size ? from.position : 0;
    this.partial = new Uint8Array(0);
  }

  where(): TailPosition {
    return { inode: this.inode, position: this.position };
  }

  /**
   * The complete lines appended since the last call (at most about `maxBytes` of them), with the
   * position after them; an empty list when there is nothing new.
   */
  async next(maxBytes = CHUNK): Promise<{ lines: string[]; position: TailPosition }> {
    if (!this.handle) throw new Error("FileTail.open first");
    const s = await this.handle.stat();
    if (s.size < this.position + this.partial.length) {
      // Truncated in place: the lines we have not seen are gone; start from the top.
      this.position = 0;
      this.partial = new Uint8Array(0);
    }
    const lines = await this.readLines(maxBytes, false);
    if (lines.length > 0) return { lines, position: this.where() };
    const current = await stat(this.path).catch(() => undefined);
    if (current && current.ino !== this.inode) {
      // Rotated: the old file has nothing more (read above); its unterminated last line is a line too.
      const last = await this.readLines(maxBytes, true);
      if (last.length > 0) return { lines: last, position: this.where() };
      await this.handle.close();
      await this.open(undefined);
      return { lines: await this.readLines(maxBytes, false), position: this.where() };
    }
    return { lines: [], position: this.where() };
  }

  private async readLines(maxBytes: number, flushPartial: boolean): Promise<string[]> {
    const buffer = new Uint8Array(maxBytes);
    const start = this.position + this.partial.length;
    const { bytesRead } = await this.handle!.read(buffer, 0, maxBytes, start);
    const bytes = new Uint8Array(this.partial.length + bytesRead);
    bytes.set(this.partial);
    bytes.set(buffer.subarray(0, bytesRead), this.partial.length);
    const lines: string[] = [];
    let lineStart = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== 0x0a) continue;
      let end = i;
      if (end > lineStart && bytes[end - 1] === 0x0d) end--;
      lines.push(this.decoder.decode(bytes.subarray(lineStart, end)));
      lineStart = i + 1;
    }
    if (flushPartial && lineStart < bytes.length) {
      lines.push(this.decoder.decode(bytes.subarray(lineStart)));
      lineStart = bytes.length;
    }
    this.position += lineStart;
    this.partial = bytes.slice(lineStart);
    return lines;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}
