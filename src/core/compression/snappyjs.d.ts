// snappyjs ships no types; these are the two functions the codec adapter uses.
declare module "snappyjs" {
  /** Raw snappy block; throws when the declared length exceeds maxLength. */
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  export function compress(uncompressed: Uint8Array): Uint8Array<ArrayBuffer>;
}
