// lz4js (a devDependency: tests and benches build lz4 frames with it) ships no types.
declare module "lz4js" {
  /** One LZ4 frame (64 KiB... 4 MiB blocks, lz4js's defaults). */
  export function compress(src: Uint8Array): Uint8Array;
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
}
