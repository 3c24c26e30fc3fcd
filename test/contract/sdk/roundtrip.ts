// One SDK session against a running broker, run as its own process by test/contract/sdk.test.ts
// under Node (importing the built package by its name, "edgebroker/client"), Bun and Deno
// (importing the source). Prints one JSON line: what was produced and consumed.
// Usage: <runtime> roundtrip.ts <module specifier>   with EDGEBROKER_URL and EDGEBROKER_TOKEN set.
const specifier =
  (globalThis as { process?: { argv: string[] } }).process?.argv[2] ??
  (globalThis as unknown as { Deno: { args: string[] } }).Deno.args[0]!;
const sdk = (await import(specifier)) as typeof import("../../../src/client/index.ts");
const env = (name: string): string => {
  const g = globalThis as { process?: { env: Record<string, string> }; Deno?: { env: { get(n: string): string } } };
  return g.process?.env[name] ?? g.Deno!.env.get(name);
};

const options = { url: env("EDGEBROKER_URL"), token: env("EDGEBROKER_TOKEN") };
const admin = new sdk.Admin(options);
const topic = `sdk-${Math.random().toString(36).slice(2, 10)}`;
await admin.createTopic({ name: topic, partitions: 3 });

const producer = new sdk.Producer(options);
const acks = await Promise.all(
  Array.from({ length: 30 }, (_, i) => producer.send({ topic, key: `user-${i % 5}`, value: { i }, headers: { n: String(i) } })),
);
await producer.close();

const consumer = new sdk.Consumer({ ...options, group: `${topic}-readers`, topics: [topic], autoOffsetReset: "earliest", waitMs: 1000 });
const seen: Array<{ partition: number; offset: number; key: unknown; value: unknown }> = [];
for await (const r of consumer) {
  seen.push({ partition: r.partition, offset: r.offset, key: r.key, value: r.value });
  if (seen.length === acks.length) break;
}
const group = await admin.describeGroup(`${topic}-readers`);
let error: unknown;
try {
  await admin.describeTopic("no-such-topic");
} catch (e) {
  error = { name: (e as Error).name, isSdkError: e instanceof sdk.EdgebrokerError, code: (e as { code: string }).code };
}
await admin.deleteTopic(topic);
console.log(JSON.stringify({ acks, seen, members: group.members.length, committed: group.offsets.map((o) => o.offset), error }));
export {};
