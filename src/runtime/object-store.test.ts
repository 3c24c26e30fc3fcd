// The object-storage adapters of the standalone hosts against real stores: a directory on disk
// and a real S3-compatible HTTP server (s3rver) reached through signed requests (aws4fetch).
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { objectStoreContract } from "../core/objectstore/contract.ts";
import { DirObjectStore } from "./dir-object-store.ts";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { nodeOutboundFetch, type Resolve } from "./outbound-fetch.ts";
import { outboundS3Send, S3ObjectStore } from "./s3-object-store.ts";

describe("directory object store", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "edgebroker-objects-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("passes the object store contract", async () => {
    await objectStoreContract(new DirObjectStore(root), "contract/");
  });

  it("ignores a temporary file a crash left behind, and replaces objects whole", async () => {
    const store = new DirObjectStore(root);
    await store.put("t/obj", new Uint8Array([1, 2, 3]));
    await writeFile(join(root, "t", "obj.obj.crashed.tmp"), new Uint8Array([9, 9]));
    expect(await store.list("t/")).toEqual(["t/obj"]);
    expect(await store.get("t/obj")).toEqual(new Uint8Array([1, 2, 3]));
    await store.put("t/obj", new Uint8Array([4]));
    expect(await store.get("t/obj")).toEqual(new Uint8Array([4]));
    // No temporary file of a completed put is left.
    expect((await readdir(join(root, "t"))).sort()).toEqual(["obj.obj", "obj.obj.crashed.tmp"]);
  });
});

describe("S3 object store (s3rver)", () => {
  let server: S3rver;
  let dir: string;
  let endpoint: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "edgebroker-s3rver-"));
    server = new S3rver({
      port: 0,
      address: "127.0.0.1",
      silent: true,
      directory: dir,
      configureBuckets: [{ name: "tiered", configs: [] }],
    });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const settings = () => ({ endpoint, bucket: "tiered", region: "us-east-1", accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });

  it("passes the object store contract with signed requests", async () => {
    await objectStoreContract(new S3ObjectStore(settings()), "contract/");
  });

  // s3rver checks the access key id but not a Signature V4 itself (its source says so), and it
  // cannot page a listing on Node 22 (its continuation tokens use DES, gone from OpenSSL 3).
  it("refuses a request signed with an unknown access key", async () => {
    const store = new S3ObjectStore({ ...settings(), accessKeyId: "NOBODY" });
    await expect(store.put("x/y", new Uint8Array([1]))).rejects.toThrow(/403/);
  });

  // Regression: an object-storage sink's endpoint is user-given, and aws4fetch's own fetch skipped
  // the outbound address policy. Through outboundS3Send a name is resolved (here by a fixed
  // resolver standing in for DNS: the name passes every textual check) and refused on the address
  // it resolves to, before anything is sent.
  const to =
    (addresses: string[]): Resolve =>
    async () =>
      addresses;
  // https: a name passes the URL checks only over https (plain http only to loopback, opted in).
  const named = () => ({ ...settings(), endpoint: endpoint.replace("http://127.0.0.1", "https://s3.example.com") });
  it.each([
    ["loopback", ["127.0.0.1"], /resolves to 127\.0\.0\.1 is loopback/],
    ["metadata", ["169.254.169.254"], /resolves to 169\.254\.169\.254 is link-local/],
    ["private", ["10.0.0.7"], /resolves to 10\.0\.0\.7 is private-use/],
    ["public and mapped private", ["93.184.215.14", "::ffff:192.168.1.1"], /::ffff:192\.168\.1\.1/],
  ])("through the outbound port refuses a name resolving to %s", async (_, addresses, reason) => {
    const store = new S3ObjectStore(named(), outboundS3Send(nodeOutboundFetch(to(addresses)), { allowLoopback: false }));
    await expect(store.put("refused/x", new Uint8Array([1]))).rejects.toThrow(reason);
    await expect(store.list("refused/")).rejects.toThrow(/refused/);
    // Nothing reached the server.
    expect(await new S3ObjectStore(settings()).list("refused/")).toEqual([]);
  });

  it("through the outbound port with the loopback opt-in passes the contract, connecting to the checked address", async () => {
    const dev = { ...settings(), endpoint: endpoint.replace("127.0.0.1", "localhost") };
    const store = new S3ObjectStore(dev, outboundS3Send(nodeOutboundFetch(to(["127.0.0.1"])), { allowLoopback: true }));
    await objectStoreContract(store, "outbound/");
    // (s3rver takes any other name as a bucket, CNAME-style.) Private stays refused with the opt-in.
    const lan = new S3ObjectStore(named(), outboundS3Send(nodeOutboundFetch(to(["192.168.0.9"])), { allowLoopback: true }));
    await expect(lan.get("outbound/x")).rejects.toThrow(/private-use/);
  });

  it("follows no redirect, through the outbound port or directly (tiered storage)", async () => {
    const bouncer = createServer((_, res) => {
      res.writeHead(307, { location: `${endpoint}/tiered/contract/a` });
      res.end();
    });
    await new Promise<void>((r) => bouncer.listen(0, "127.0.0.1", r));
    const at = `http://127.0.0.1:${(bouncer.address() as AddressInfo).port}`;
    try {
      const direct = new S3ObjectStore({ ...settings(), endpoint: at });
      await expect(direct.get("contract/a")).rejects.toThrow(/307 .*redirects are not followed/);
      const viaPort = new S3ObjectStore({ ...settings(), endpoint: at }, outboundS3Send(nodeOutboundFetch(), { allowLoopback: true }));
      await expect(viaPort.get("contract/a")).rejects.toThrow(/redirect: answered 307/);
    } finally {
      await new Promise((r) => bouncer.close(r));
    }
  });
});
