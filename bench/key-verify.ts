// Bearer-key verification: does a refusal take the same time whether the key id exists or not?
// (issue #14, item 9a: before the fix an unknown id skipped the hash — 0.45 vs 0.55 ms median.)
// Runs KeyService over node:sqlite, interleaving the paths round by round so drift hits each alike,
// and prints each path's median beside the ceiling: one bare SHA-256 of the same input.
//   node --disable-warning=ExperimentalWarning bench/key-verify.ts [rounds]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyService, sha256Hasher } from "../src/core/keys/service.ts";
import { openNodeDatabase } from "../src/runtime/sqlite-node.ts";
import { openStorage } from "../src/runtime/sqlite-port.ts";

const rounds = Number(process.argv[2] ?? 20_000);
const dir = mkdtempSync(join(tmpdir(), "bench-key-verify-"));
const store = (name: string) => new KeyService(openStorage(openNodeDatabase, join(dir, `${name}.sqlite`), { createOnWrite: true }));
const real = store("real");
await real.create({ id: "real", name: "real", grants: [], quotas: {}, secret: "s".repeat(32) });
const unknown = store("unknown");
const wrong = "w".repeat(32);

const paths: Record<string, () => Promise<unknown>> = {
  "ceiling: one SHA-256": () => sha256Hasher("0".repeat(32), wrong),
  "unknown key id": () => unknown.verify(wrong, 0),
  "wrong secret, real id": () => real.verify(wrong, 0),
};
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map((k) => [k, []]));
for (let i = 0; i < rounds; i++) {
  for (const [name, run] of Object.entries(paths)) {
    const t0 = performance.now();
    await run();
    samples[name]!.push(performance.now() - t0);
  }
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ceiling = median(samples["ceiling: one SHA-256"]!);
console.log(`${rounds} rounds, medians (µs), ratio to the ceiling:`);
for (const [name, xs] of Object.entries(samples)) {
  const m = median(xs);
  console.log(`  ${name.padEnd(24)} ${(m * 1000).toFixed(1).padStart(8)}  ×${(m / ceiling).toFixed(2)}`);
}
const gap = median(samples["wrong secret, real id"]!) / median(samples["unknown key id"]!);
console.log(`wrong secret / unknown id: ×${gap.toFixed(3)} (1.000 = indistinguishable)`);
rmSync(dir, { recursive: true, force: true });
