// Builds RecordBatch v2 bytes inside workerd tests with the project's encoder and WASM CRC-32C.
import { encodeBatch, type RecordInput } from "../../src/core/batch/record-batch.ts";
import { loadLogCore } from "../../src/worker/log-core.ts";

const utf8 = new TextEncoder();

export function records(values: string[], timestamp = 1_700_000_000_000): RecordInput[] {
  return values.map((v, i) => ({ key: null, value: utf8.encode(v), headers: [], timestamp: timestamp + i }));
}

export async function batchOf(values: string[], timestamp?: number): Promise<Uint8Array> {
  const core = await loadLogCore();
  return encodeBatch(records(values, timestamp), { crc32c: (b) => core.crc32c(b) });
}

export { concat } from "../core-support/batch-builder.ts";
