// The frames with the most self time in a V8 .cpuprofile (node --cpu-prof), as "share of the
// samples that are not idle", for the profile-* benches.
import { readFileSync } from "node:fs";

interface Frame {
  callFrame: { functionName: string; url: string; lineNumber: number };
  id: number;
  hitCount?: number;
}

export function topFrames(path: string, n = 15): string[] {
  const profile = JSON.parse(readFileSync(path, "utf8")) as { nodes: Frame[]; samples: number[] };
  const self = new Map<string, number>();
  const byId = new Map(profile.nodes.map((f) => [f.id, f]));
  for (const id of profile.samples) {
    const f = byId.get(id)!.callFrame;
    const name = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/(src|node_modules)\//, "$1/")}:${f.lineNumber + 1}`;
    self.set(name, (self.get(name) ?? 0) + 1);
  }
  // Idle and "(program)" (native time outside JS) are not the server's work; GC is.
  const skip = (name: string) => name.startsWith("(idle)") || name.startsWith("(program)");
  const busy = profile.samples.filter((id) => !skip(byId.get(id)!.callFrame.functionName)).length;
  return [...self]
    .filter(([name]) => !skip(name))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, hits]) => `${((hits / busy) * 100).toFixed(1).padStart(5)}%  ${name}`);
}
