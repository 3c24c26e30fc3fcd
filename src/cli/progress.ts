// The progress bar of `produce --file`: bytes of the file read, records sent and records/s, on
// stderr so it never mixes with data on stdout. Shown on a terminal, or anywhere with --progress
// (cli-progress then prints a line every few seconds instead of redrawing).
import cliProgress from "cli-progress";
import { count } from "./output.ts";

export interface Progress {
  update(bytes: number, records: number): void;
  stop(): void;
}

const NONE: Progress = { update() {}, stop() {} };

export function progressBar(totalBytes: number | undefined, wanted: boolean | undefined): Progress {
  const show = wanted ?? process.stderr.isTTY === true;
  if (!show || totalBytes === undefined) return NONE;
  const started = performance.now();
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: "{bar} {percentage}% | {records} records | {rate} records/s | ETA {eta_formatted}",
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 2000,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(totalBytes, 1), 0, { records: "0", rate: "0" });
  return {
    update(bytes, records) {
      const s = (performance.now() - started) / 1000;
      bar.update(bytes, { records: count(records), rate: count(Math.round(s > 0 ? records / s : 0)) });
    },
    stop() {
      bar.stop();
    },
  };
}
