// Produce-side validation of batches that may be compressed (every append path: binary HTTP,
// JSON/MessagePack encodings, the Kafka gateway). Uncompressed runs go straight to the WASM
// validator. Otherwise: WASM checks framing and every CRC-32C over the bytes as produced (the
// CRC covers the compressed records), the compressed batches are decompressed with a bound, and
// the WASM validator walks the inflated run, so record structure, recordCount, offset deltas,
// lastOffsetDelta and maxTimestamp are held to the same rules as uncompressed batches. The
// batches' metadata is then reported for the bytes as produced, which are what gets stored.
import type { BatchErrorCode, LogCore, ValidationResult } from "../batch/log-core.ts";
import { batchIndexAt, frameBatches, inflateBatches, InflateError } from "./batches.ts";
import { codecName, MAX_DECOMPRESSED_BYTES } from "./index.ts";

/**
 * `fillCrc`: the batches are the broker's own encoding with their CRC fields not yet written
 * (AppendRequest.fillCrc): an uncompressed run has them computed and written as it is validated.
 * Anything else has its CRCs checked as always, so such a run would be refused.
 */
export function validateProduced(core: LogCore, bytes: Uint8Array, limit = MAX_DECOMPRESSED_BYTES, fillCrc = false): ValidationResult {
  const frames = frameBatches(bytes);
  if (frames !== null && !frames.some((f) => f.codec !== 0)) return core.validateBatches(bytes, fillCrc);
  // Framing and CRC first, over the bytes as produced: a request whose tail does not frame is
  // refused for that, not for the compressed batch before it that validateBatches would stop at.
  const checked = core.checkBatches(bytes, 0, bytes.length);
  if (!checked.ok) {
    return {
      ok: false,
      code: checked.code,
      message: checked.message,
      batch: batchIndexAt(bytes, checked.position),
      position: checked.position,
    };
  }
  if (frames === null) return core.validateBatches(bytes);
  let inflated: Uint8Array;
  try {
    inflated = inflateBatches(bytes, frames, (b) => core.crc32c(b), limit);
  } catch (e) {
    if (!(e instanceof InflateError)) throw e;
    return { ok: false, code: e.failure.reason as BatchErrorCode, message: e.message, batch: e.batch, position: e.position };
  }
  const result = core.validateBatches(inflated);
  if (!result.ok) {
    const f = frames[result.batch];
    const codec = f ? codecName(f.codec) : "none";
    const where = f ? `batch ${result.batch} at byte ${f.position} (${codec}, checked decompressed)` : `batch ${result.batch}`;
    return {
      ...result,
      position: f?.position ?? result.position,
      message: `${where}: ${result.message.replace(/^batch \d+ at byte \d+: /, "")}`,
    };
  }
  return {
    ok: true,
    batches: result.batches.map((b, i) => {
      const f = frames[i]!;
      return { ...b, position: f.position, size: f.size, attributes: b.attributes | f.codec };
    }),
  };
}
