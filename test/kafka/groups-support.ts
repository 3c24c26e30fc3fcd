// A standalone Node broker with the Kafka listener on, for the consumer-group tests with real
// clients (kafkajs in-process, kcat and kafkajs members as child processes): its HTTP and Kafka
// addresses, topic creation and produce over HTTP, and the group as `GET /v1/groups/{group}` shows it.
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel, type KafkaConfig } from "kafkajs";
import { freePort, startServer } from "../contract/hosts-support.ts";

export const TOKEN = "kafka-groups-test-token";

export interface KafkaBroker {
  http: string;
  kafka: string;
  client(extra?: Partial<KafkaConfig>): Kafka;
  api(path: string, init?: RequestInit): Promise<Response>;
  createTopic(name: string, partitions: number): Promise<void>;
  produce(topic: string, values: string[]): Promise<void>;
  group(name: string): Promise<GroupView>;
  stop(): Promise<void>;
}

export interface GroupView {
  state: string;
  members: Array<{
    member_id: string;
    group_instance_id?: string | null;
    protocol?: string;
    assignment: Array<{ topic: string; partitions: number[] }>;
  }>;
  offsets: Array<{ topic: string; partition: number; offset: number; high_watermark: number | null; lag: number | null }>;
  classic?: { state: string; generation_id: number; protocol: string; leader: string };
}

async function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1", () => {
      s.end();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}

export async function startKafkaBroker(): Promise<KafkaBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), "edgebroker-kafka-groups-"));
  const kafkaPort = await freePort();
  const server = await startServer("node", {
    dataDir,
    token: TOKEN,
    env: {
      EDGEBROKER_KAFKA_PORT: String(kafkaPort),
      EDGEBROKER_KAFKA_HOST: "127.0.0.1",
      EDGEBROKER_GROUP_INITIAL_REBALANCE_DELAY_MS: "100",
    },
  });
  while (!(await reachable(kafkaPort))) await new Promise((r) => setTimeout(r, 50));
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...init.headers },
    });
  return {
    http: server.url,
    kafka: `127.0.0.1:${kafkaPort}`,
    client: (extra = {}) =>
      new Kafka({
        clientId: "groups-test",
        brokers: [`127.0.0.1:${kafkaPort}`],
        sasl: { mechanism: "plain", username: "admin", password: TOKEN },
        logLevel: logLevel.NOTHING,
        retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1_000 },
        ...extra,
      }),
    api,
    async createTopic(name, partitions) {
      const res = await api("/v1/topics", { method: "POST", body: JSON.stringify({ name, partitions }) });
      if (res.status !== 201) throw new Error(`create topic ${name}: ${res.status} ${await res.text()}`);
    },
    async produce(topic, values) {
      const res = await api(`/v1/topics/${topic}/records`, {
        method: "POST",
        body: JSON.stringify({ records: values.map((value, i) => ({ key: `k${i}`, value })) }),
      });
      if (res.status !== 200) throw new Error(`produce ${topic}: ${res.status} ${await res.text()}`);
    },
    async group(name) {
      const res = await api(`/v1/groups/${name}`);
      if (res.status !== 200) throw new Error(`describe ${name}: ${res.status} ${await res.text()}`);
      return (await res.json()) as GroupView;
    },
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value that is not undefined/false (the test's own timeout bounds it). */
export async function until<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

/** Partition counts per member as describe shows them, sorted: [2, 2] for two members sharing 4. */
export function shares(g: GroupView): number[] {
  return g.members.map((m) => m.assignment.reduce((n, a) => n + a.partitions.length, 0)).sort();
}
