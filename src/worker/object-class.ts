// The one way a portable object class becomes a Durable Object class. The portable class (core:
// PartitionLog, ClusterService, KeyService, GroupService) *is* the RPC surface: every method on its
// prototype is defined on the Durable Object's prototype, calling the instance `open` built, so
// no method is forwarded by hand and a method added to the class is served at once. `alarm` is one
// of those methods where the class has it. Hooks only Cloudflare has (fetch, WebSocket events)
// go on a subclass of the returned class. The standalone host (src/runtime/objects.ts) serves the
// same portable classes.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "./env.ts";

/** The callable members of T (its RPC methods, as the stub types see them). */
type Methods<T> = { [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] };

export interface ObjectShell<T> extends DurableObject<Env> {
  /** The portable instance, once `open` has built it (inside blockConcurrencyWhile when async). */
  readonly object: T;
}

/** Names of the methods on a class's prototype chain (below Object), accessors excluded. */
function methodNames(prototype: object): string[] {
  const names = new Set<string>();
  for (let p = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name !== "constructor" && typeof Object.getOwnPropertyDescriptor(p, name)?.value === "function") names.add(name);
    }
  }
  return [...names];
}

/**
 * A Durable Object class serving `portable`'s methods. `open` builds the instance from the
 * object's state (storage, alarms) and may be async (it then runs in blockConcurrencyWhile, so no
 * call arrives before it is done); `shell` is the Durable Object, for hooks a subclass adds.
 */
export function objectClass<T extends object>(
  portable: { prototype: T },
  open: (ctx: DurableObjectState, env: Env, shell: ObjectShell<T>) => T | Promise<T>,
): new (
  ctx: DurableObjectState,
  env: Env,
) => ObjectShell<T> & Methods<T> {
  class Shell extends DurableObject<Env> implements ObjectShell<T> {
    object!: T;

    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env);
      const opened = open(ctx, env, this);
      if (opened instanceof Promise) {
        void ctx.blockConcurrencyWhile(async () => {
          this.object = await opened;
        });
      } else this.object = opened;
    }
  }
  for (const name of methodNames(portable.prototype)) {
    Object.defineProperty(Shell.prototype, name, {
      value(this: Shell, ...args: unknown[]) {
        return (this.object as Record<string, (...a: unknown[]) => unknown>)[name]!(...args);
      },
      writable: true,
      configurable: true,
    });
  }
  // The prototype now has T's methods, which TypeScript cannot see on a class built in a loop.
  return Shell as typeof Shell & (new (ctx: DurableObjectState, env: Env) => ObjectShell<T> & Methods<T>);
}
