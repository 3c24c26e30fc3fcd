// What an object kind's portable class promises: every method of its API (the shape callers see
// through a Durable Object stub or an actor host stub, where every answer is a promise), each
// answering directly or with a promise. `class X implements Serves<XApi>` makes the compiler check
// the class against the API, so the object and its callers cannot drift apart.
export type Serves<Api> = {
  [K in keyof Api]: Api[K] extends (...args: infer A) => infer R ? (...args: A) => Awaited<R> | Promise<Awaited<R>> : never;
};
