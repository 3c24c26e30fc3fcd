// The registry: every Kafka API this broker serves, one module each. ApiVersions advertises
// exactly this list. The consumer-group APIs live in groups/ and are added through groupApis.
import type { KafkaApi } from "./api.ts";
import { apiVersionsApi } from "./apis/api-versions.ts";
import { saslAuthenticateApi, saslHandshakeApi } from "./apis/sasl.ts";
import { groupApis } from "./groups/index.ts";

const brokerApis: KafkaApi[] = [saslHandshakeApi, saslAuthenticateApi];

export const KAFKA_APIS: readonly KafkaApi[] = [apiVersionsApi(() => KAFKA_APIS), ...brokerApis, ...groupApis];
