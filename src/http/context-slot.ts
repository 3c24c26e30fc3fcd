// Per-request state of the middlewares and routes (the principal, the metrics that time the
// request, its error code, …), kept on the request's Hono Context under a private symbol. A
// WeakMap keyed by the Context held it before, but an entry for a key that dies young is an
// ephemeron the garbage collector has to trace: about 0.3 µs a set on Node 22, and every request
// made several (issue #20). A symbol-keyed property is an ordinary field of the Context, which
// nothing outside this module can name, and it goes with the Context as the WeakMap entry did.
import type { Context } from "hono";

export interface ContextSlot<T> {
  get(c: Context): T | undefined;
  set(c: Context, value: T): void;
}

export function contextSlot<T>(name: string): ContextSlot<T> {
  const key = Symbol(name);
  return {
    get: (c) => (c as unknown as Record<symbol, T | undefined>)[key],
    set: (c, value) => {
      (c as unknown as Record<symbol, T>)[key] = value;
    },
  };
}
