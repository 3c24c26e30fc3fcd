// The HTTP API contract against the standalone server on Deno (src/runtime/serve-deno.ts), a child process.
import { contractSuite } from "./contract.ts";
import { startRuntime } from "./hosts-support.ts";

contractSuite("deno", () => startRuntime("deno"));
