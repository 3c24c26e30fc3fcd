// Test/bench helper: loads build/edgebroker.wasm (run `npm run build:wasm` first) into a LogCore.
// Node only (node:fs); production code gets the module from the runtime's .wasm import instead.
import { readFileSync } from "node:fs";
import { LogCore } from "../../src/core/batch/log-core.ts";

export const WASM_PATH = new URL("../../build/edgebroker.wasm", import.meta.url);

let cached: Promise<LogCore> | undefined;

export function wasmBytes(): Uint8Array<ArrayBuffer> {
  try {
    return new Uint8Array(readFileSync(WASM_PATH));
  } catch (err) {
    throw new Error(`cannot read ${WASM_PATH.pathname}: run \`npm run build:wasm\` first (${(err as Error).message})`);
  }
}

/** One shared LogCore per process (instantiation is cheap, but tests call this a lot). */
export function loadLogCore(): Promise<LogCore> {
  cached ??= LogCore.instantiate(wasmBytes());
  return cached;
}

/** A fresh, unshared LogCore (for tests that need their own memory). */
export function newLogCore(): Promise<LogCore> {
  return LogCore.instantiate(wasmBytes());
}
