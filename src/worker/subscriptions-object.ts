// The subscriptions object (one, named SUBSCRIPTIONS_NAME): the portable SubscriptionService as a
// Durable Object — every Durable Streams subscription and the webhook signing key. On its first
// call it moves what an older deployment kept in the partition object SUBSCRIPTIONS_OBJECT.
import { SubscriptionService } from "../core/streams/subscription-service.ts";
import { SUBSCRIPTIONS_OBJECT } from "../core/streams/subscriptions.ts";
import type { StoragePort } from "../core/storage-port.ts";
import { objectClass } from "./object-class.ts";

export class SubscriptionsObject extends objectClass(
  SubscriptionService,
  (ctx, env) =>
    new SubscriptionService(ctx.storage as unknown as StoragePort, () =>
      env.PARTITION.get(env.PARTITION.idFromName(`${SUBSCRIPTIONS_OBJECT}/0`)),
    ),
) {}
