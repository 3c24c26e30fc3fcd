// Reads the fenced code blocks of the docs (README.md and docs/*.md) and the doc-test marker that
// may precede each one. The convention is documented in docs/README.md ("Examples are tested"):
//
//   <!-- doc-test: skip (why) -->    the next block is not run (it deploys, starts a server, …)
//   <!-- doc-test: until-output -->  the next block runs until stopped (a tail, a consumer loop):
//                                    it passes once it has printed output and is then stopped
//                                    with Ctrl-C (SIGINT), as a reader would stop it
//
// Blocks tagged sh, bash, js, mjs or ts are run; every other tag (text, json, toml, promql, none)
// is output or configuration and is only read.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

export const ROOT = new URL("../../", import.meta.url).pathname;

export type Mode = "run" | "skip" | "until-output";

export interface DocBlock {
  /** The file, relative to the repository root. */
  file: string;
  /** The 1-based line of the block's first line of code. */
  line: number;
  lang: string;
  code: string;
  mode: Mode;
  /** The reason given with a skip marker. */
  reason?: string;
}

/**
 * Generated pages whose generator does not yet follow the convention (docs/http-api.md, from the
 * OpenAPI document: no table of contents, its curl examples not yet run here). Their links are
 * still checked. Remove an entry once its generator emits a TOC and runnable examples.
 */
export const NOT_YET_CHECKED = new Set<string>();

export const RUNNABLE = new Set(["sh", "bash", "js", "mjs", "ts"]);

/** README.md and every page under docs/ (one level), in a stable order. */
export function docFiles(): string[] {
  const pages = readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", ...pages];
}

const MARKER = /^<!--\s*doc-test:\s*(skip|until-output)\b\s*(.*?)\s*-->\s*$/;

export function parseBlocks(file: string, text = readFileSync(join(ROOT, file), "utf8")): DocBlock[] {
  const lines = text.split("\n");
  const blocks: DocBlock[] = [];
  let pending: { mode: Mode; reason?: string; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const marker = MARKER.exec(line.trim());
    if (marker) {
      pending = { mode: marker[1] as Mode, reason: marker[2]?.replace(/^\(|\)$/g, "") || undefined, line: i + 1 };
      continue;
    }
    const fence = /^(\s*)(`{3,})\s*([\w-]*)/.exec(line);
    if (!fence) {
      if (line.trim() !== "" && pending) throw new Error(`${file}:${pending.line}: a doc-test marker must come right before a code block`);
      continue;
    }
    const [, indent, ticks, lang] = fence as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      if ((lines[j] as string).trimStart().startsWith(ticks) && (lines[j] as string).trim() === ticks) break;
      body.push((lines[j] as string).startsWith(indent) ? (lines[j] as string).slice(indent.length) : (lines[j] as string));
    }
    if (j === lines.length) throw new Error(`${file}:${i + 1}: code block is never closed`);
    // An example that installs packages would change the repository's node_modules through the
    // scratch project's links; such examples (like deploys) are for readers, not for this test.
    if (
      pending?.mode !== "skip" &&
      (lang === "sh" || lang === "bash") &&
      /\b(npm|pnpm|yarn)\s+(install|i|ci|link|uninstall|add)\b/.test(body.join("\n"))
    ) {
      throw new Error(`${file}:${i + 2}: an example that installs packages must be marked <!-- doc-test: skip (…) -->`);
    }
    blocks.push({ file, line: i + 2, lang, code: `${body.join("\n")}\n`, mode: pending?.mode ?? "run", reason: pending?.reason });
    if (pending?.mode === "skip" && !pending.reason) throw new Error(`${file}:${pending.line}: a skip marker needs a reason`);
    pending = undefined;
    i = j;
  }
  return blocks;
}

/** Every block of every doc file, for a summary of what runs and what is skipped. */
export function allBlocks(): DocBlock[] {
  return docFiles().flatMap((f) => parseBlocks(f));
}

export function relativeToRoot(path: string): string {
  return relative(ROOT, path);
}
