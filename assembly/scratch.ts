// The scratch area: one region of linear memory above the static data (tables, STATUS) that the
// wrapper copies inputs into and reads outputs from. There is no allocator: every call uses the
// region from its start, so a call costs no allocation and memory only grows to the largest input
// seen (Workers isolates are long-lived; a high-water mark is cheaper than churn).

const PAGE: usize = 65536;
const SCRATCH: usize = (__heap_base + 15) & ~<usize>15;

/** Makes sure `bytes` bytes are available from the scratch start; returns it, or 0 if memory is exhausted. */
export function reserve(bytes: usize): usize {
  const needed = SCRATCH + bytes;
  const have = <usize>memory.size() * PAGE;
  if (needed > have) {
    // Grow at least by half of the current size to amortise repeated small growths.
    let pages = <i32>((needed - have + PAGE - 1) / PAGE);
    const half = memory.size() >> 1;
    if (pages < half) pages = half;
    if (memory.grow(pages) < 0 && memory.grow(<i32>((needed - have + PAGE - 1) / PAGE)) < 0) return 0;
  }
  return SCRATCH;
}
