// Regression (issue #14) on every host: a Durable Streams fork is a read of its source. A key
// with admin on its own prefix only forked another stream into it (201) and read the copy; a
// missing source answered 404. Now the fork needs consume on the source and answers exactly like
// a GET of it (403 whether or not it exists), and the bytes a fork copies are charged to the key's
// byte quota (they were charged 0). test/workers/ds-fork-authorization.test.ts has more cases.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BENCH_TOKEN } from "../../bench/lib/servers.ts";
import { everyHost, type RunningHost } from "./every-host-support.ts";

const starters = everyHost();

describe.each(Object.keys(starters))("Durable Streams forks on %s", (name) => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await starters[name]!();
  });
  afterAll(async () => {
    await host?.stop();
  });

  const ds = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${host.url}/ds/${path}`, {
      ...init,
      headers: { authorization: `Bearer ${init.token ?? BENCH_TOKEN}`, ...(init.headers as Record<string, string>) },
    });

  async function key(grants: Array<{ operation: string; resource: string }>, quotas?: Record<string, number>): Promise<string> {
    const res = await fetch(`${host.url}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${BENCH_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: `k${Math.random().toString(36).slice(2)}`, grants, ...(quotas ? { quotas } : {}) }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { secret: string }).secret;
  }

  it("refuses a fork of a stream the key may not read exactly like a GET, existing or not", async () => {
    const t = Date.now().toString(36);
    expect((await ds(`private${t}/secret`, { method: "PUT", headers: { "content-type": "text/plain" }, body: "top secret" })).status).toBe(
      201,
    );
    const token = await key([{ operation: "admin", resource: `topic:ds.mine${t}*` }]);
    for (const source of [`private${t}/secret`, `/private${t}/secret`, `private${t}/missing`]) {
      const get = await ds(`${source.replace(/^\//, "")}?offset=-1`, { token });
      const fork = await ds(`mine${t}/copy`, { method: "PUT", token, headers: { "stream-forked-from": source } });
      expect([get.status, fork.status], source).toEqual([403, 403]);
      expect(await fork.json()).toEqual(await get.json());
    }
  });

  it("charges a fork's copied bytes to the key's byte quota", async () => {
    const t = Date.now().toString(36);
    expect(
      (await ds(`big${t}/src`, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: new Uint8Array(200_000) }))
        .status,
    ).toBe(201);
    const token = await key(
      [
        { operation: "admin", resource: `topic:ds.q${t}*` },
        { operation: "consume", resource: `topic:ds.big${t}*` },
      ],
      { bytes_per_second: 1_000 },
    );
    expect((await ds(`q${t}/a`, { method: "PUT", token, headers: { "stream-forked-from": `big${t}/src` } })).status).toBe(201);
    const second = await ds(`q${t}/b`, { method: "PUT", token, headers: { "stream-forked-from": `big${t}/src` } });
    expect(second.status).toBe(429);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
  });
});
