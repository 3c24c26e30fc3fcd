// One Durable Object per API key, named by the key id: verification and quota counters — the
// portable KeyService as a Durable Object.
import { KeyService } from "../core/keys/service.ts";
import type { StoragePort } from "../core/storage-port.ts";
import { objectClass } from "./object-class.ts";

export class KeyObject extends objectClass(KeyService, (ctx) => new KeyService(ctx.storage as unknown as StoragePort)) {}
