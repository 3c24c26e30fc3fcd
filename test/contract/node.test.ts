// The HTTP API contract against the standalone server on Node (src/runtime/serve-node.ts), a child process.
import { contractSuite } from "./contract.ts";
import { startRuntime } from "./hosts-support.ts";

contractSuite("node", () => startRuntime("node"));
