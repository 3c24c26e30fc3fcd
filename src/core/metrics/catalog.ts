// Every metric the broker exposes on GET /metrics: name, type, labels and meaning. The exposition
// (exposition.ts) takes HELP and TYPE from here, and docs/monitoring.md lists the same names (a
// test checks both agree), so a metric cannot be added without being documented.

export type MetricType = "counter" | "gauge" | "histogram";

export interface MetricInfo {
  type: MetricType;
  labels: readonly string[];
  help: string;
}

/** Upper bounds (seconds) of the latency histograms' buckets; +Inf is implied. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

const PARTITION = ["topic", "partition"] as const;
const GROUP_PARTITION = ["group", "topic", "partition"] as const;
const NONE = [] as const;
const counter = (labels: readonly string[], help: string): MetricInfo => ({ type: "counter", labels, help });
const gauge = (labels: readonly string[], help: string): MetricInfo => ({ type: "gauge", labels, help });
const histogram = (labels: readonly string[], help: string): MetricInfo => ({ type: "histogram", labels, help });

export const METRICS = {
  // Partition objects (pushed by each partition; exact per partition, see docs/monitoring.md).
  edgebroker_partition_records_in_total: counter(
    PARTITION,
    "Records appended to the partition (offsets assigned), counted when the commit is durable.",
  ),
  edgebroker_partition_bytes_in_total: counter(PARTITION, "RecordBatch bytes appended to the partition."),
  edgebroker_partition_records_out_total: counter(
    PARTITION,
    "Records handed out by partition reads (fetch, tails, group polls, /ds), from the offset read on.",
  ),
  edgebroker_partition_bytes_out_total: counter(PARTITION, "Stored batch bytes handed out by partition reads."),
  edgebroker_partition_rows_written_total: counter(
    PARTITION,
    "SQLite rows the partition wrote (appends, maintenance, producer snapshots): what Durable Objects bill.",
  ),
  edgebroker_partition_rows_read_total: counter(PARTITION, "SQLite rows the partition read."),
  edgebroker_partition_end_offset: gauge(PARTITION, "The next offset to be written (high watermark)."),
  edgebroker_partition_start_offset: gauge(PARTITION, "The first offset still stored (log start offset)."),
  edgebroker_partition_storage_bytes: gauge(PARTITION, "Bytes of RecordBatch data stored by the partition."),
  edgebroker_partition_remote_bytes: gauge(PARTITION, "Bytes of the partition's segments in tiered storage (docs/tiered-storage.md)."),
  edgebroker_partition_storage_rows: gauge(PARTITION, "Segment rows stored by the partition."),
  edgebroker_tail_subscribers: gauge(
    ["transport", "topic"],
    "Live tails: open partition SSE streams (sse), WebSocket tails (websocket) and group member streams (group_sse, topic empty).",
  ),
  // Consumer groups (pushed by each group object; lag computed at scrape from the partitions' end offsets).
  edgebroker_group_members: gauge(["group"], "Members of the consumer group."),
  edgebroker_group_committed_offset: gauge(GROUP_PARTITION, "The group's committed offset (the next offset to read)."),
  edgebroker_group_lag: gauge(GROUP_PARTITION, "Partition end offset minus the group's committed offset (never below 0)."),
  // HTTP layer (each Worker isolate or standalone process pushes its deltas; summed across them).
  edgebroker_produce_duration_seconds: histogram(
    NONE,
    "Produce request latency (POST /v1/topics/{topic}/records), from the request to the durable answer.",
  ),
  edgebroker_fetch_duration_seconds: histogram(
    ["long_poll"],
    'Fetch request latency (GET .../partitions/{p}/records); long_poll="true" when wait_ms > 0.',
  ),
  edgebroker_http_requests_total: counter(
    ["route"],
    "HTTP requests answered, by route kind (produce, fetch, tail, group, topic, key, producer, ds, metrics, other).",
  ),
  edgebroker_errors_total: counter(["code"], "Error answers by error.code (http_<status> for answers without one)."),
  edgebroker_quota_refusals_total: counter(NONE, "Requests refused because the API key was over its quota (429 rate_limited)."),
  // The aggregation itself.
  edgebroker_metrics_sources: gauge(
    ["kind"],
    "Sources whose metrics this scrape includes: partition, group, process (live Worker isolates or standalone processes).",
  ),
} as const satisfies Record<string, MetricInfo>;

export type MetricName = keyof typeof METRICS;
