// Every relative link of README.md and docs/*.md points at a file that exists and, with a
// #fragment, at a heading of that file (GitHub's anchor rules); every manual under docs/ with
// several sections opens with a table of contents. Links to other websites are not fetched.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { docFiles, NOT_YET_CHECKED, ROOT } from "./doc-blocks.ts";

/**
 * Pages other helpers are writing this round (docs/README.md lists them): a link to one of them
 * is accepted while the page does not exist yet, and checked like any other once it does.
 */
const PENDING_PAGES = new Set(["docs/http-api.md", "docs/connectors.md", "docs/tiered-storage.md", "docs/transactions.md"]);

/** The text outside fenced code blocks and inline code spans, line by line. */
function prose(text: string): string[] {
  let fence: string | undefined;
  return text.split("\n").map((line) => {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (!fence) fence = f[1];
      else if (line.trim() === fence) fence = undefined;
      return "";
    }
    return fence ? "" : line.replace(/`[^`]*`/g, "``");
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fence: string | undefined;
  for (const line of text.split("\n")) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (!fence) fence = f[1];
      else if (line.trim() === fence) fence = undefined;
      continue;
    }
    const h = fence ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = (h[1] as string)
      .toLowerCase()
      .replace(/<[^>]+>/g, "")
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

interface Link {
  line: number;
  target: string;
}

function links(text: string): Link[] {
  const out: Link[] = [];
  prose(text).forEach((line, i) => {
    for (const m of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push({ line: i + 1, target: m[1] as string });
  });
  return out;
}

describe("doc links", () => {
  for (const file of docFiles()) {
    it(`${file}: relative links and anchors resolve`, () => {
      const text = readFileSync(join(ROOT, file), "utf8");
      const broken: string[] = [];
      for (const { line, target } of links(text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
        const [path, fragment] = target.split("#", 2) as [string, string | undefined];
        const resolved = path === "" ? file : normalize(join(dirname(file), decodeURIComponent(path)));
        const absolute = join(ROOT, resolved);
        if (!existsSync(absolute)) {
          if (!PENDING_PAGES.has(resolved)) broken.push(`${file}:${line}: ${target} — no such file ${resolved}`);
          continue;
        }
        if (fragment === undefined || statSync(absolute).isDirectory()) continue;
        if (!resolved.endsWith(".md")) continue;
        if (!anchors(readFileSync(absolute, "utf8")).has(fragment)) {
          broken.push(`${file}:${line}: ${target} — ${resolved} has no heading #${fragment}`);
        }
      }
      expect(broken, broken.join("\n")).toEqual([]);
    });
  }

  for (const file of docFiles().filter((f) => f.startsWith("docs/") && !NOT_YET_CHECKED.has(f))) {
    it(`${file}: a page with several sections opens with a table of contents`, () => {
      const text = readFileSync(join(ROOT, file), "utf8");
      const sections = prose(text).filter((l) => /^## /.test(l)).length;
      if (sections < 3) return;
      const firstSection = prose(text).findIndex((l) => /^## /.test(l));
      const head = text.split("\n").slice(0, firstSection);
      const tocLinks = head.filter((l) => /^\s*- \[[^\]]+\]\(#[^)]+\)/.test(l)).length;
      expect(tocLinks, `${file} has ${sections} sections but no table of contents before the first`).toBeGreaterThanOrEqual(
        Math.min(sections, 3),
      );
    });
  }
});
