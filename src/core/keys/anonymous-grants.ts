// EDGEBROKER_ANONYMOUS_GRANTS: what a request without an Authorization header may do on /ds
// (Durable Streams clients and the conformance suite send none). Off unless set. The value is a
// comma-separated list of `<operation>:<resource>` in the grant syntax of API keys, for example
// "produce:topic:ds.*,consume:topic:ds.*,admin:topic:ds.*". A malformed value is a deployment
// mistake: the standalone hosts refuse to start, the Worker answers every request 503 saying why.
import { BrokerError } from "../errors.ts";
import { validateGrants, type Grant } from "./grants.ts";

export const ANONYMOUS_GRANTS_VAR = "EDGEBROKER_ANONYMOUS_GRANTS";

export function parseAnonymousGrants(raw: string | undefined): Grant[] | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const items = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const colon = item.indexOf(":");
      return colon < 0 ? { operation: item, resource: "" } : { operation: item.slice(0, colon), resource: item.slice(colon + 1) };
    });
  try {
    return validateGrants(items);
  } catch (err) {
    const reason = err instanceof BrokerError ? err.message : String(err);
    throw new Error(
      `${ANONYMOUS_GRANTS_VAR} must be a comma-separated list of <operation>:<resource> (e.g. "consume:topic:ds.*"); ${reason}`,
    );
  }
}
