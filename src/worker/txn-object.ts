// One Durable Object per transactional id, named by it (plus "/registry", the list of ids) — the
// portable TxnService as a Durable Object. It reaches the partitions (markers), the cluster
// (producer ids) and the registry through the Worker's bindings; its alarm() re-drives markers and
// aborts timed-out transactions.
import { TxnService } from "../core/txn/service.ts";
import { TXN_REGISTRY_NAME, type TxnApi } from "../core/txn/types.ts";
import type { StoragePort } from "../core/storage-port.ts";
import { workerConfig } from "./config.ts";
import { objectClass } from "./object-class.ts";

export class TxnObject extends objectClass(
  TxnService,
  (ctx, env): TxnService =>
    new TxnService(ctx.storage as unknown as StoragePort, {
      writeMarker: (p, m) =>
        env.PARTITION.get(env.PARTITION.idFromName(`${p.topic}/${p.partition}`)).writeMarker({
          topic: p.topic,
          partition: p.partition,
          epoch: p.epoch,
          ...m,
        }),
      completeOffsets: (group, r) =>
        env.GROUP.get(env.GROUP.idFromName(group)).txnComplete(group, { producerId: r.producerId, commit: r.commit }),
      newProducerId: () => env.CLUSTER.get(env.CLUSTER.idFromName("cluster")).initProducer(),
      // Typed by its API (TxnApi) rather than the stub: the namespace's type refers back to this class.
      register: (entry): Promise<unknown> => (env.TXN.get(env.TXN.idFromName(TXN_REGISTRY_NAME)) as unknown as TxnApi).register(entry),
      alarms: { setAlarm: (at) => void ctx.storage.setAlarm(at) },
      ...workerConfig(env).options.txn,
    }),
) {}
