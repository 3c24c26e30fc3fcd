// The app the reference page and the document tests are generated from: every route registered,
// nothing reachable (no request is served), default limits.
import { DEFAULT_LIMITS } from "../../core/limits.ts";
import { createApp } from "../app.ts";
import type { AppDeps } from "../deps.ts";

const unused = () => {
  throw new Error("the reference app serves no requests");
};

export function referenceApp() {
  const deps: AppDeps = {
    cluster: unused,
    partition: unused,
    key: unused,
    group: unused,
    txn: unused,
    subscriptions: unused,
    logCore: unused,
    adminToken: "reference",
    limits: DEFAULT_LIMITS,
  };
  return createApp(deps);
}
