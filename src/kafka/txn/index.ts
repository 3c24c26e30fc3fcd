// The transaction APIs (KIP-98, KIP-664): AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
// TxnOffsetCommit, DescribeTransactions, ListTransactions; InitProducerId with a transactional id
// is in ../apis/init-producer-id.ts, FindCoordinator key type 1 in ../groups/find-coordinator.ts.
// Each is a thin codec over the transactional id's coordinator object (src/core/txn/service.ts),
// the same one the HTTP routes (/v1/transactions) call; listed here so src/kafka/apis.ts picks
// them up.
import type { KafkaApi } from "../api.ts";
import { addPartitionsToTxnApi } from "./add-partitions.ts";
import { describeTransactionsApi, listTransactionsApi } from "./describe.ts";
import { addOffsetsToTxnApi, endTxnApi } from "./end-txn.ts";
import { txnOffsetCommitApi } from "./txn-offset-commit.ts";

export const txnApis: KafkaApi[] = [
  addPartitionsToTxnApi,
  addOffsetsToTxnApi,
  endTxnApi,
  txnOffsetCommitApi,
  describeTransactionsApi,
  listTransactionsApi,
];
