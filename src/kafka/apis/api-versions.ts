// ApiVersions (key 18), v0-v4, flexible from v3. The broker's answer lists every API module in
// the registry with its version range. An ApiVersions request at a version above 4 is answered by
// the dispatcher in v0 with UNSUPPORTED_VERSION and this same list (KIP-511), so a newer client
// falls back to the highest version both sides speak.
import type { KafkaApi } from "../api.ts";
import { KafkaError } from "../error-codes.ts";
import { array, f, type Msg } from "../protocol/schema.ts";

const apiVersion = [f("apiKey", "0+", "int16"), f("minVersion", "0+", "int16"), f("maxVersion", "0+", "int16")];

export function apiVersionsApi(registry: () => Iterable<KafkaApi>): KafkaApi {
  const list = (errorCode: number): Msg => ({
    errorCode,
    apiKeys: [...registry()].sort((a, b) => a.apiKey - b.apiKey).map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion })),
    throttleTimeMs: 0,
  });
  return {
    apiKey: 18,
    name: "ApiVersions",
    minVersion: 0,
    maxVersion: 4,
    flexibleFrom: 3,
    beforeAuth: true,
    request: [f("clientSoftwareName", "3+", "string"), f("clientSoftwareVersion", "3+", "string")],
    response: [
      f("errorCode", "0+", "int16"),
      f("apiKeys", "0+", array(apiVersion)),
      f("throttleTimeMs", "1+", "int32"),
      f("finalizedFeaturesEpoch", "3+", "int64", { tag: 1, default: -1 }),
    ],
    handle: async () => list(KafkaError.NONE),
    refuse: (_req, code) => list(code),
  };
}
