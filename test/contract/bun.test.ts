// The HTTP API contract against the standalone server on Bun (src/runtime/serve-bun.ts), a child process.
import { contractSuite } from "./contract.ts";
import { startRuntime } from "./hosts-support.ts";

contractSuite("bun", () => startRuntime("bun"));
