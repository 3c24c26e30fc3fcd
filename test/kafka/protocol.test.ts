// The Kafka listener at the byte level, over a raw TCP socket to the Node host: version
// negotiation (KIP-511 fallback), unknown APIs, the authentication gate, pipelining, acks=0, and
// bad frames — each answered or closed, and the server keeps serving other connections.
import { afterAll, beforeAll, expect, it } from "vitest";
import { Reader } from "../../src/kafka/protocol/reader.ts";
import { authenticate, RawClient, request } from "./raw-client.ts";
import { ADMIN, http, startKafkaHost, type KafkaHost } from "./support.ts";

let host: KafkaHost;
beforeAll(async () => {
  // Key-authenticated connections ask the key's object again before every request here.
  host = await startKafkaHost("node", { EDGEBROKER_CREDENTIAL_CHECK_MS: "1" });
});
afterAll(async () => {
  await host?.stop();
});

const apiVersions = (version: number, corr: number) =>
  request(
    18,
    version,
    corr,
    (w) => {
      if (version >= 3) w.compactNullableString("raw").compactNullableString("1").uvarint(0);
    },
    version >= 3,
  );

it("answers an ApiVersions version it does not know in v0 with UNSUPPORTED_VERSION and its ranges (KIP-511)", async () => {
  const c = await RawClient.open(host.bootstrap);
  c.send(apiVersions(99, 5));
  const r = new Reader((await c.next())!);
  expect(r.int32()).toBe(5);
  expect(r.int16()).toBe(35);
  const apis = new Map<number, [number, number]>();
  for (let n = r.int32(); n > 0; n--) apis.set(r.int16(), [r.int16(), r.int16()]);
  expect(r.remaining).toBe(0);
  expect(apis.get(18)).toEqual([0, 4]);
  expect(apis.get(0)![0]).toBe(3);
  // The flexible version the client retries with: header v0, compact array.
  c.send(apiVersions(3, 6));
  const v3 = new Reader((await c.next())!);
  expect(v3.int32()).toBe(6);
  expect(v3.int16()).toBe(0);
  expect(v3.uvarint() - 1).toBe(apis.size);
  c.end();
});

it("answers an unknown API with UNSUPPORTED_VERSION and keeps the connection", async () => {
  const c = await RawClient.open(host.bootstrap);
  c.send(request(999, 0, 41, () => {}));
  const r = new Reader((await c.next())!);
  expect(r.int32()).toBe(41);
  expect(r.int16()).toBe(35);
  c.send(apiVersions(0, 42));
  expect(new Reader((await c.next())!).int32()).toBe(42);
  c.end();
});

it("refuses Metadata before SASL with SASL_AUTHENTICATION_FAILED, serves it after", async () => {
  const c = await RawClient.open(host.bootstrap);
  const metadata = (corr: number) => request(3, 1, corr, (w) => w.int32(1).nullableString("anything"));
  c.send(metadata(7));
  const refused = new Reader((await c.next())!);
  expect(refused.int32()).toBe(7);
  expect(refused.int32()).toBe(0); // no brokers
  expect(refused.int32()).toBe(-1); // controller id (v1+)
  expect(refused.int32()).toBe(1); // one topic entry
  expect(refused.int16()).toBe(58);
  await authenticate(c, 8);
  c.send(metadata(10));
  const ok = new Reader((await c.next())!);
  expect(ok.int32()).toBe(10);
  expect(ok.int32()).toBe(1); // the broker
  c.end();
});

it("answers pipelined requests in order, and sends nothing for acks=0", async () => {
  const c = await RawClient.open(host.bootstrap);
  await authenticate(c, 1);
  const produceAcks0 = request(0, 3, 20, (w) => w.nullableString(null).int16(0).int32(1000).int32(1).nullableString("nowhere").int32(0));
  c.send(apiVersions(0, 11), produceAcks0, apiVersions(1, 12), apiVersions(2, 13));
  const corr: number[] = [];
  for (let i = 0; i < 3; i++) corr.push(new Reader((await c.next())!).int32());
  expect(corr).toEqual([11, 12, 13]);
  c.end();
});

it("closes a connection whose frame is over the limit or whose request is truncated; others carry on", async () => {
  const big = await RawClient.open(host.bootstrap);
  const head = Buffer.alloc(4);
  head.writeInt32BE(64 * 1024 * 1024);
  big.send(head);
  expect(await big.next()).toBeUndefined();

  const bad = await RawClient.open(host.bootstrap);
  await authenticate(bad, 1);
  // Metadata v1 claiming one topic name of 200 bytes, with 3 bytes present.
  bad.send(
    request(3, 1, 3, (w) =>
      w
        .int32(1)
        .int16(200)
        .raw(new Uint8Array([1, 2, 3])),
    ),
  );
  expect(await bad.next()).toBeUndefined();
  expect(host.output()).toMatch(/malformed Metadata v1 request: truncated/);

  const good = await RawClient.open(host.bootstrap);
  good.send(apiVersions(2, 9));
  expect(new Reader((await good.next())!).int32()).toBe(9);
  good.end();
});

/** Fetch v4 of partition 0 from offset 0: replica -1, max_wait 20 s, the given min_bytes, 1 MiB limits, isolation 0. */
const fetchV4 = (correlation: number, topic: string, minBytes: number) =>
  request(1, 4, correlation, (w) =>
    w
      .int32(-1)
      .int32(20_000)
      .int32(minBytes)
      .int32(1 << 20)
      .int8(0)
      .int32(1)
      .nullableString(topic)
      .int32(1)
      .int32(0)
      .int64(0)
      .int32(1 << 20),
  );

it("a Fetch at the end of the log waits (max_wait_ms, min_bytes) and answers with records produced meanwhile over HTTP", async () => {
  expect((await http(host.http, host.token, "POST", "/v1/topics", { name: "longpoll", partitions: 1 })).status).toBe(201);
  const c = await RawClient.open(host.bootstrap);
  await authenticate(c, 1);
  // Fetch v4: replica -1, max_wait 20 s, min_bytes 1, max_bytes, isolation 0; one topic, one partition at offset 0.
  c.send(fetchV4(3, "longpoll", 1));
  const answer = c.next();
  // The answer must wait for this append: an early empty answer fails the record check below.
  await new Promise((r) => setTimeout(r, 300));
  expect((await http(host.http, host.token, "POST", "/v1/topics/longpoll/records", { records: [{ value: "late" }] })).status).toBe(200);
  const r = new Reader((await answer)!);
  expect(r.int32()).toBe(3);
  r.int32(); // throttle
  expect(r.int32()).toBe(1);
  expect(r.nullableString()).toBe("longpoll");
  expect(r.int32()).toBe(1);
  expect(r.int32()).toBe(0);
  expect(r.int16()).toBe(0);
  expect(r.int64()).toBe(1n); // high watermark
  r.int64(); // last stable offset
  expect(r.int32()).toBe(-1); // aborted transactions: null
  const records = r.nullableBytes()!;
  expect(records.length).toBeGreaterThan(61);
  expect(new TextDecoder().decode(records)).toContain('"late"');
  c.end();
});

it("a Fetch waits until min_bytes are there: records produced in two requests come in one answer", async () => {
  expect((await http(host.http, host.token, "POST", "/v1/topics", { name: "minbytes", partitions: 1 })).status).toBe(201);
  const c = await RawClient.open(host.bootstrap);
  await authenticate(c, 1);
  // Fetch v4: max_wait 20 s, min_bytes 120 (more than one single-record batch of about 75 bytes, less than two).
  c.send(fetchV4(4, "minbytes", 120));
  const answer = c.next();
  await new Promise((r) => setTimeout(r, 300));
  expect((await http(host.http, host.token, "POST", "/v1/topics/minbytes/records", { records: [{ value: "first" }] })).status).toBe(200);
  await new Promise((r) => setTimeout(r, 300));
  expect((await http(host.http, host.token, "POST", "/v1/topics/minbytes/records", { records: [{ value: "second" }] })).status).toBe(200);
  const r = new Reader((await answer)!);
  expect(r.int32()).toBe(4);
  r.int32(); // throttle
  expect(r.int32()).toBe(1);
  expect(r.nullableString()).toBe("minbytes");
  expect(r.int32()).toBe(1);
  expect(r.int32()).toBe(0);
  expect(r.int16()).toBe(0);
  expect(r.int64()).toBe(2n); // high watermark: both records
  r.int64(); // last stable offset
  expect(r.int32()).toBe(-1); // aborted transactions: null
  const text = new TextDecoder().decode(r.nullableBytes()!);
  expect(text).toContain('"first"');
  expect(text).toContain('"second"');
  c.end();
});

it("a connection authenticated with an API key is closed once the key is revoked", async () => {
  const made = await http(host.http, host.token, "POST", "/v1/keys", {
    name: "revoked-soon",
    grants: [{ operation: "consume", resource: "*" }],
  });
  expect(made.status).toBe(201);
  const key = (await made.json()) as { id: string; secret: string };
  const c = await RawClient.open(host.bootstrap);
  c.send(request(17, 1, 1, (w) => w.nullableString("PLAIN")));
  await c.next();
  c.send(request(36, 1, 2, (w) => w.nullableBytes(new TextEncoder().encode(`\u0000${key.id}\u0000${key.secret}`))));
  const auth = new Reader((await c.next())!);
  auth.int32();
  expect(auth.int16()).toBe(0);
  const metadata = (corr: number) => request(3, 1, corr, (w) => w.int32(-1));
  c.send(metadata(3));
  expect(new Reader((await c.next())!).int32()).toBe(3);
  expect((await http(host.http, host.token, "DELETE", `/v1/keys/${key.id}`)).status).toBe(204);
  await new Promise((r) => setTimeout(r, 5));
  c.send(metadata(4));
  expect(await c.next()).toBeUndefined();
  expect(host.output()).toMatch(/revoked or rotated/);
});

it("SaslHandshake v0 takes the PLAIN message as one raw frame (KIP-43) and answers an empty one", async () => {
  const c = await RawClient.open(host.bootstrap);
  c.send(request(17, 0, 1, (w) => w.nullableString("PLAIN")));
  const hs = new Reader((await c.next())!);
  expect(hs.int32()).toBe(1);
  expect(hs.int16()).toBe(0);
  const token = new TextEncoder().encode(`\u0000${ADMIN.user}\u0000${ADMIN.password}`);
  const raw = new Uint8Array(4 + token.length);
  new DataView(raw.buffer).setInt32(0, token.length);
  raw.set(token, 4);
  c.send(raw);
  expect((await c.next())!.length).toBe(0);
  c.send(request(3, 1, 2, (w) => w.int32(-1)));
  const ok = new Reader((await c.next())!);
  expect(ok.int32()).toBe(2);
  expect(ok.int32()).toBe(1); // the broker: authenticated
  c.end();
});
