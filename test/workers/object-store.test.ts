// The R2 adapter of the object-storage port against workerd's local R2 (the TIERED binding of
// wrangler.toml): the same contract the directory and S3 adapters pass.
import { env } from "cloudflare:test";
import { describe, it } from "vitest";
import { objectStoreContract } from "../../src/core/objectstore/contract.ts";
import { R2ObjectStore } from "../../src/worker/r2-object-store.ts";

describe("R2 object store", () => {
  it("passes the object store contract on the TIERED bucket", async () => {
    await objectStoreContract(new R2ObjectStore((env as { TIERED: R2Bucket }).TIERED), `contract-${crypto.randomUUID()}/`);
  });
});
