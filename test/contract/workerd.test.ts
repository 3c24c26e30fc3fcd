// The HTTP API contract against the Worker in workerd: the wrangler bundle run by Miniflare.
import { contractSuite } from "./contract.ts";
import { startWorkerd } from "./hosts-support.ts";

contractSuite("workerd", startWorkerd);
