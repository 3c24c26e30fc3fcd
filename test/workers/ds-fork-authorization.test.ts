// Regression (issue #14): a Durable Streams fork is a read of its source. A key that may create
// streams under its own prefix but not read another stream forked that stream into its prefix
// (201) and read the copy, and a missing source answered 404 (existence revealed). Now a fork
// needs consume on the source and is refused exactly like a GET of it, whether the source exists
// or not, at any fork offset. And the bytes a fork copies are charged to the key's byte quota
// (they were charged 0: a key could fill the disk at any rate by forking).
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, json } from "./api-support.ts";

const worker = (exports as unknown as { default: { fetch(req: Request): Promise<Response> } }).default;
let counter = 0;
const tag = () => `${Date.now().toString(36)}${counter++}`;

function asKey(secret: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${secret}`);
  return worker.fetch(new Request(`http://broker/ds/${path}`, { ...init, headers }));
}

async function createKey(grants: Array<{ operation: string; resource: string }>, quotas?: Record<string, number>): Promise<string> {
  const res = await json("/v1/keys", "POST", { name: `fork-${tag()}`, grants, ...(quotas ? { quotas } : {}) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { secret: string }).secret;
}

async function adminStream(path: string, body: string | Uint8Array): Promise<void> {
  const contentType = typeof body === "string" ? "text/plain" : "application/octet-stream";
  const res = await call(`/ds/${path}`, { method: "PUT", headers: { "content-type": contentType }, body });
  expect(res.status).toBe(201);
}

function fork(secret: string, path: string, source: string, headers: Record<string, string> = {}): Promise<Response> {
  return asKey(secret, path, { method: "PUT", headers: { "stream-forked-from": source, ...headers } });
}

describe("forking a stream the key may not read", () => {
  it("is refused exactly as a GET of the source, whether it exists or not, at every fork offset", async () => {
    const t = tag();
    const secretPath = `private${t}/secret`;
    await adminStream(secretPath, "top secret");
    const mine = await createKey([{ operation: "admin", resource: `topic:ds.mine${t}*` }]);
    const sources = [secretPath, `/${secretPath}`, `//${secretPath}`, `private${t}/missing`, `private${t}/secret/child`, `other${t}`];
    const offsets: Array<Record<string, string>> = [
      {},
      { "stream-fork-offset": "0000000000000000_0000000000000000" },
      { "stream-fork-offset": "0000000000000000_0000000000000001" },
      { "stream-fork-offset": "0000000000000000_0000000000000000", "stream-fork-sub-offset": "3" },
    ];
    for (const source of sources) {
      const read = await asKey(mine, `${source.replace(/^\/+/, "")}?offset=-1`);
      expect(read.status, source).toBe(403);
      const readBody = await read.json();
      for (const headers of offsets) {
        const res = await fork(mine, `mine${t}/copy${counter++}`, source, headers);
        expect(res.status, `${source} ${JSON.stringify(headers)}`).toBe(403);
        expect(await res.json()).toEqual(readBody);
      }
    }
    // Nothing was created under the key's prefix.
    expect((await asKey(mine, `mine${t}/copy0`, { method: "DELETE" })).status).toBe(404);
  });

  it("works with consume on the source, and a missing source is then 404 as for a GET", async () => {
    const t = tag();
    await adminStream(`shared${t}/data`, "shared bytes");
    const reader = await createKey([
      { operation: "admin", resource: `topic:ds.mine${t}*` },
      { operation: "consume", resource: `topic:ds.shared${t}*` },
      { operation: "consume", resource: `topic:ds.mine${t}*` },
    ]);
    expect((await fork(reader, `mine${t}/copy`, `shared${t}/data`)).status).toBe(201);
    expect(await (await asKey(reader, `mine${t}/copy?offset=-1`)).text()).toBe("shared bytes");
    const missing = await fork(reader, `mine${t}/copy2`, `shared${t}/missing`);
    const get = await asKey(reader, `shared${t}/missing?offset=-1`);
    expect(missing.status).toBe(404);
    expect(get.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe(
      ((await get.json()) as { error: { code: string } }).error.code,
    );
  });
});

describe("fork quotas", () => {
  it("charges the bytes a fork copies to the key's byte quota", async () => {
    const t = tag();
    // 200 KB at 1,000 B/s: the first fork overdraws the bucket by ~200 s, so the next request waits.
    await adminStream(`big${t}/src`, new Uint8Array(200_000).fill(7));
    const key = await createKey(
      [
        { operation: "admin", resource: `topic:ds.q${t}*` },
        { operation: "consume", resource: `topic:ds.big${t}*` },
      ],
      { bytes_per_second: 1_000 },
    );
    expect((await fork(key, `q${t}/a`, `big${t}/src`)).status).toBe(201);
    const second = await fork(key, `q${t}/b`, `big${t}/src`);
    expect(second.status).toBe(429);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThan(60);
  });

  it("charges nothing for a fork that copies nothing", async () => {
    const t = tag();
    await adminStream(`big${t}/src`, new Uint8Array(200_000).fill(7));
    const key = await createKey(
      [
        { operation: "admin", resource: `topic:ds.q${t}*` },
        { operation: "consume", resource: `topic:ds.big${t}*` },
      ],
      { bytes_per_second: 1_000 },
    );
    const at0 = { "stream-fork-offset": "0000000000000000_0000000000000000" };
    expect((await fork(key, `q${t}/a`, `big${t}/src`, at0)).status).toBe(201);
    expect((await fork(key, `q${t}/b`, `big${t}/src`, at0)).status).toBe(201);
  });
});
