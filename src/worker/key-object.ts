// One Durable Object per API key, named by the key id: verification and quota counters — the
// portable KeyStore as a Durable Object.
import { KeyStore } from "../core/keys/store.ts";
import type { StoragePort } from "../core/storage-port.ts";
import { objectClass } from "./object-class.ts";

export class KeyObject extends objectClass(KeyStore, (ctx) => new KeyStore(ctx.storage as unknown as StoragePort)) {}
