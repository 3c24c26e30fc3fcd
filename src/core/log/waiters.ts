// Reads waiting for new data on one partition, woken together. One set per partition object,
// shared by the partition log (long-poll fetches, SSE tails) and the Durable Streams layer on top
// of it (long-polls and SSE reads of the stream), so a commit wakes every reader exactly once
// whichever route appended.
export class Waiters {
  private readonly waiting = new Set<() => void>();

  /** Resolves true when woken, false after `ms`. */
  wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiting.delete(wake);
        resolve(false);
      }, ms);
      this.waiting.add(wake);
    });
  }

  /** Wakes every read waiting now (records committed, the partition dropped, a stream closed or deleted). */
  wake(): void {
    const woken = [...this.waiting];
    this.waiting.clear();
    for (const wake of woken) wake();
  }
}
