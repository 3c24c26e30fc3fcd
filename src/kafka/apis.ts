// The registry: every Kafka API this broker serves, one module each. ApiVersions advertises
// exactly this list. The consumer-group APIs live in groups/ and are added through groupApis, the
// transaction APIs in txn/ through txnApis.
import type { KafkaApi } from "./api.ts";
import { apiVersionsApi } from "./apis/api-versions.ts";
import { saslAuthenticateApi, saslHandshakeApi } from "./apis/sasl.ts";
import { deleteRecordsApi, describeClusterApi } from "./apis/cluster.ts";
import { alterConfigsApi, describeConfigsApi, incrementalAlterConfigsApi } from "./apis/configs.ts";
import { fetchApi } from "./apis/fetch.ts";
import { createPartitionsApi, createTopicsApi, deleteTopicsApi } from "./apis/topic-admin.ts";
import { initProducerIdApi } from "./apis/init-producer-id.ts";
import { listOffsetsApi } from "./apis/list-offsets.ts";
import { metadataApi } from "./apis/metadata.ts";
import { produceApi } from "./apis/produce.ts";
import { groupApis } from "./groups/index.ts";
import { txnApis } from "./txn/index.ts";

const brokerApis: KafkaApi[] = [
  produceApi,
  fetchApi,
  listOffsetsApi,
  metadataApi,
  saslHandshakeApi,
  initProducerIdApi,
  createTopicsApi,
  deleteTopicsApi,
  deleteRecordsApi,
  describeConfigsApi,
  alterConfigsApi,
  saslAuthenticateApi,
  createPartitionsApi,
  incrementalAlterConfigsApi,
  describeClusterApi,
];

export const KAFKA_APIS: readonly KafkaApi[] = [apiVersionsApi(() => KAFKA_APIS), ...brokerApis, ...groupApis, ...txnApis];
