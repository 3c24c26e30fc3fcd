// The HTTP API contract (README.md, "HTTP API"), written once and run against every host:
// workerd, Node, Bun, Deno (one *.test.ts file per host, each a single call of `contractSuite`).
// Only public HTTP is used — a base URL and a bearer token — so the same checks also run against
// any deployed broker (external.test.ts, CONTRACT_URL / CONTRACT_TOKEN).
//
// One file per domain, each a suite given the host and its requests (contract-support.ts), run
// here in this order under one describe per host.
import { afterAll, beforeAll, describe } from "vitest";
import { LogCore } from "../../src/core/batch/log-core.ts";
import { wasmBytes } from "../core-support/load-log-core.ts";
import type { Target } from "./hosts-support.ts";
import { accessSuite } from "./access.ts";
import { bodyInputSuite } from "./body-input.ts";
import { compressionSuite } from "./compression.ts";
import { consumerGroupSuite } from "./consumer-groups.ts";
import { contractContext } from "./contract-support.ts";
import { errorsSuite } from "./errors.ts";
import { groupResetSuite } from "./group-reset.ts";
import { hardeningSuite } from "./hardening.ts";
import { idempotentProducerSuite } from "./idempotent-producers.ts";
import { longPollSuite } from "./long-poll.ts";
import { metricsSuite } from "./metrics.ts";
import { produceFetchSuite } from "./produce-fetch.ts";
import { tailSuite } from "./tails.ts";
import { topicsSuite } from "./topics.ts";
import { transactionSuite } from "./transactions.ts";

export function contractSuite(name: string, start: () => Promise<Target>): void {
  describe(`HTTP API contract on ${name}`, () => {
    let target: Target;
    let core: LogCore;
    let counter = 0;

    beforeAll(async () => {
      [target, core] = await Promise.all([start(), LogCore.instantiate(wasmBytes())]);
    }, 120_000);
    afterAll(async () => {
      await target?.stop();
    }, 60_000);

    const t = contractContext(
      () => target,
      () => core,
      () => counter++,
    );

    accessSuite(t);
    topicsSuite(t);
    produceFetchSuite(t);
    longPollSuite(t);
    tailSuite(t);
    bodyInputSuite(t);
    groupResetSuite(t);
    metricsSuite(t);
    hardeningSuite(t);
    compressionSuite(t);
    transactionSuite(t);
    errorsSuite(t);
    idempotentProducerSuite(t);
    consumerGroupSuite(t);
  });
}
