// The HTTP API contract against a broker that is already running anywhere (a deployed Worker, a
// server on another machine): CONTRACT_URL=https://… CONTRACT_TOKEN=… npm run test:contract.
// vitest.contract.config.ts leaves this file out when CONTRACT_URL is not set.
import { contractSuite } from "./contract.ts";
import { externalTarget } from "./hosts-support.ts";

const target = externalTarget();
if (!target) throw new Error("set CONTRACT_URL (and CONTRACT_TOKEN) to the broker to test");
contractSuite(target.name, async () => target);
