// The WASM core, compiled by the runtime at deploy time and instantiated once per isolate.
import wasm from "../../build/edgebroker.wasm";
import { LogCore } from "../core/batch/log-core.ts";

let instance: Promise<LogCore> | undefined;

export function loadLogCore(): Promise<LogCore> {
  instance ??= LogCore.instantiate(wasm);
  return instance;
}
