// What crosses the actor host's boundary (actor-host.ts): a value the receiving side can keep and
// change without the sender seeing it, and the reverse — Durable Object RPC's guarantee, which it
// gets by serialising. structuredClone gave the same here, at a cost that showed in profiles of
// single-record produce (issue #20: 5–6 % of the Node host's time, 14 % on Bun), nearly all of it
// the serialiser's setup for a handful of small fields.
//
// `isolate` copies what the broker's calls carry — plain objects, arrays, Uint8Arrays,
// primitives — structurally, and hands anything else (Map, Date, Error, other typed arrays,
// class instances, cycles and very deep values) to structuredClone, so the result is what
// structuredClone would give, and what it refuses (functions, symbols) is refused alike.
// Nothing mutable is shared: primitives are immutable, every container is new, and byte arrays
// are copied — they must be, because the receiver keeps them: a partition holds an append's
// bytes until its group commit, after validating them, so a caller writing into its buffer
// later must not reach the stored log.
const MAX_DEPTH = 32;

export function isolate<T>(value: T): T {
  return copy(value, 0) as T;
}

function copy(v: unknown, depth: number): unknown {
  if (typeof v !== "object" || v === null) {
    if (typeof v === "function" || typeof v === "symbol") return structuredClone(v); // throws DataCloneError
    return v;
  }
  if (depth > MAX_DEPTH) return structuredClone(v); // also what keeps a cycle from recursing forever
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return structuredClone(v);
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i], depth + 1);
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto === Uint8Array.prototype || (v instanceof Uint8Array && proto !== Object.prototype)) {
    // A plain Uint8Array back, for subclasses too (Node's Buffer), as structuredClone gives.
    const bytes = v as Uint8Array;
    const out = new Uint8Array(bytes.length);
    out.set(bytes);
    return out;
  }
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    const member = copy((v as Record<string, unknown>)[key], depth + 1);
    // An own "__proto__" (JSON.parse makes one) stays a member: assigning it would set the prototype.
    if (key === "__proto__") Object.defineProperty(out, key, { value: member, enumerable: true, writable: true, configurable: true });
    else out[key] = member;
  }
  return out;
}
