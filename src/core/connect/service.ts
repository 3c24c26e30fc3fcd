// The connector object's behaviour in one portable class: one object per connector, named by it
// (CONNECTOR_REGISTRY_NAME: the list of connectors). It keeps the connector's config and state in
// its own storage, runs sinks from its alarm (sink-runner.ts) and takes a webhook source's
// deliveries (source-runner.ts). The Durable Object (src/worker/connector-object.ts) is made from
// it by objectClass; the standalone hosts serve it as is (src/runtime/objects.ts).
import { fail, type Failure } from "../errors.ts";
import type { Grant } from "../keys/grants.ts";
import type { Serves } from "../object-api.ts";
import type { OutboundPolicy } from "../outbound/address-policy.ts";
import type { OutboundFetch } from "../outbound/outbound-fetch.ts";
import type { StoragePort } from "../storage-port.ts";
import { scopedBroker, type BrokerObjects } from "./broker-port.ts";
import { ConfigProblem, Fields, keepSecrets, redact } from "./config-fields.ts";
import { kindOf, type ArchiveStores, type ConnectorKind, type KindContext, type SinkKind, type SourceKind } from "./kinds.ts";
import { SinkRunner } from "./sink-runner.ts";
import { sinkSettings, type SinkSettings } from "./sink-settings.ts";
import { SourceRunner, sourceSettings, type SourceSettings } from "./source-runner.ts";
import {
  connectorNameProblem,
  sinkGroup,
  type ConnectorApi,
  type ConnectorConfig,
  type ConnectorInfo,
  type ConnectorListing,
  type ConnectorState,
  type ConnectorStatus,
  type WebhookDelivery,
  type WebhookResult,
} from "./types.ts";

export interface ConnectorServiceOptions {
  objects: BrokerObjects;
  /** The registry object (CONNECTOR_REGISTRY_NAME). */
  registry(): ConnectorApi;
  outbound: OutboundFetch;
  policy: OutboundPolicy;
  /** The object stores object-storage sinks may write to on this host (none: such sinks are refused). */
  stores?: ArchiveStores;
  alarms: { setAlarm(at: number): void; deleteAlarm(): void };
  /** Removes the object's storage (ctx.storage.deleteAll()). */
  deleteAll(): Promise<void>;
  /** Shown as the task's worker_id (Kafka Connect's worker address). */
  workerId: string;
  now?: () => number;
}

interface Stored {
  name: string;
  config: ConnectorConfig;
  state: ConnectorState;
  trace?: string;
  created_at: number;
}

type Running =
  | { type: "sink"; runner: SinkRunner<unknown>; settings: SinkSettings }
  | { type: "source"; kind: SourceKind; config: unknown; runner: SourceRunner; settings: SourceSettings };

const STATE_TABLE = "CREATE TABLE IF NOT EXISTS connect_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)";

function problem(message: string): Failure {
  return fail("invalid_config", message, { field: message.split(":")[0] });
}

/** What a connector's config lets it touch: its topics, its DLQ topic, its own group. */
function grantsOf(name: string, settings: SinkSettings | SourceSettings, type: "sink" | "source"): Grant[] {
  if (type === "source") return [{ operation: "produce", resource: `topic:${(settings as SourceSettings).topic}` }];
  const s = settings as SinkSettings;
  return [
    ...s.topics.map((t): Grant => ({ operation: "consume", resource: `topic:${t}` })),
    { operation: "consume", resource: `group:${sinkGroup(name)}` },
    ...(s.dlq ? [{ operation: "produce", resource: `topic:${s.dlq}` } as Grant] : []),
  ];
}

export class ConnectorService implements Serves<ConnectorApi> {
  private readonly storage: StoragePort;
  private readonly options: ConnectorServiceOptions;
  private readonly now: () => number;
  private stored: Stored | undefined;
  private running: Running | undefined;
  private stepping: Promise<void> | undefined;
  private metricsCache: Record<string, number> | undefined;

  constructor(storage: StoragePort, options: ConnectorServiceOptions) {
    this.storage = storage;
    this.options = options;
    this.now = options.now ?? Date.now;
    storage.sql.exec(STATE_TABLE);
    const row = storage.sql.exec<{ value: string }>("SELECT value FROM connect_state WHERE key = 'connector'").toArray()[0];
    this.stored = row ? (JSON.parse(row.value) as Stored) : undefined;
  }

  private save(s: Stored): void {
    this.storage.sql.exec(STATE_TABLE);
    this.storage.sql.exec("INSERT OR REPLACE INTO connect_state (key, value) VALUES ('connector', ?)", JSON.stringify(s));
    this.stored = s;
  }

  private get metrics(): Record<string, number> {
    if (!this.metricsCache) {
      const row = this.storage.sql.exec<{ value: string }>("SELECT value FROM connect_state WHERE key = 'metrics'").toArray()[0];
      this.metricsCache = row ? (JSON.parse(row.value) as Record<string, number>) : {};
    }
    return this.metricsCache;
  }

  private readonly count = (metric: string, n: number): void => {
    if (!this.stored) return;
    const m = this.metrics;
    m[metric] = (m[metric] ?? 0) + n;
    this.storage.sql.exec("INSERT OR REPLACE INTO connect_state (key, value) VALUES ('metrics', ?)", JSON.stringify(m));
  };

  private context(name: string): KindContext {
    return { connector: name, outbound: this.options.outbound, policy: this.options.policy, now: this.now };
  }

  /** Parses a config in full: the kind, the runtime's settings, the kind's own fields, nothing unknown. */
  private async parse(
    name: string,
    config: ConnectorConfig,
  ): Promise<{ kind: ConnectorKind; settings: SinkSettings | SourceSettings; parsed: unknown } | Failure> {
    const kind = kindOf(config);
    if (typeof kind === "string") return problem(kind);
    if (config.name !== undefined && config.name !== name) return problem(`name: the config names "${config.name}", the request "${name}"`);
    const fields = new Fields(config);
    try {
      const settings = kind.type === "sink" ? sinkSettings(fields, kind.batchDefaults) : sourceSettings(fields);
      const parsed = await kind.parse(fields, this.options.policy, { connector: name, stores: this.options.stores ?? {} });
      fields.rejectUnknown();
      return { kind, settings, parsed };
    } catch (err) {
      if (err instanceof ConfigProblem) return problem(err.message);
      throw err;
    }
  }

  /** The runner for the stored config, built once (the config was checked when it was stored). */
  private async runtime(): Promise<Running | undefined> {
    const s = this.stored;
    if (!s) return undefined;
    if (this.running) return this.running;
    const p = await this.parse(s.name, s.config);
    if ("ok" in p) return undefined;
    const broker = scopedBroker(this.options.objects, grantsOf(s.name, p.settings, p.kind.type), s.name);
    if (p.kind.type === "sink") {
      const settings = p.settings as SinkSettings;
      const runner = new SinkRunner(this.storage, broker, p.kind as SinkKind, p.parsed, settings, this.context(s.name), sinkGroup(s.name), {
        count: this.count,
        failed: (trace) => {
          if (this.stored) this.save({ ...this.stored, state: "FAILED", trace });
        },
        trace: (trace) => {
          if (this.stored && this.stored.trace !== trace && this.stored.state === "RUNNING") this.save({ ...this.stored, trace });
        },
      });
      this.running = { type: "sink", runner, settings };
    } else {
      const settings = p.settings as SourceSettings;
      this.running = {
        type: "source",
        kind: p.kind as SourceKind,
        config: p.parsed,
        settings,
        runner: new SourceRunner(this.storage, broker, settings, this.now),
      };
    }
    return this.running;
  }

  private missing(name: string): Failure {
    return fail("connector_not_found", `connector "${name}" does not exist`);
  }

  private infoOf(s: Stored): ConnectorInfo {
    const kind = kindOf(s.config) as ConnectorKind;
    return { ok: true, name: s.name, config: redact(s.config, kind.secrets), tasks: [{ connector: s.name, task: 0 }], type: kind.type };
  }

  async put(name: string, input: ConnectorConfig, mode: "create" | "upsert"): Promise<(ConnectorInfo & { created: boolean }) | Failure> {
    const bad = connectorNameProblem(name);
    if (bad) return problem(bad);
    const previous = this.stored;
    if (previous && mode === "create") return fail("connector_exists", `connector "${name}" already exists`);
    const kind = kindOf(input);
    const config = typeof kind === "string" ? input : keepSecrets(input, previous?.config, kind.secrets);
    const parsed = await this.parse(name, config);
    if ("ok" in parsed) return parsed;
    // A config change keeps the state (a paused connector stays paused), as in Kafka Connect.
    const created = !previous;
    this.save({ name, config, state: previous?.state ?? "RUNNING", trace: undefined, created_at: previous?.created_at ?? this.now() });
    this.running = undefined;
    await this.options
      .registry()
      .register({ name, type: parsed.kind.type, class: config["connector.class"]!, created_at: this.stored!.created_at });
    if (parsed.kind.type === "sink" && this.stored!.state === "RUNNING") this.options.alarms.setAlarm(this.now());
    return { ...this.infoOf(this.stored!), created };
  }

  info(name: string): ConnectorInfo | Failure {
    return this.stored ? this.infoOf(this.stored) : this.missing(name);
  }

  async status(name: string): Promise<ConnectorStatus | Failure> {
    const s = this.stored;
    if (!s) return this.missing(name);
    const kind = kindOf(s.config) as ConnectorKind;
    const trace = s.trace === undefined ? {} : { trace: s.trace };
    const out: ConnectorStatus = {
      ok: true,
      name,
      type: kind.type,
      connector: { state: s.state, worker_id: this.options.workerId, ...trace },
      tasks: [{ id: 0, state: s.state, worker_id: this.options.workerId, ...trace }],
      metrics: { ...this.metrics },
    };
    const running = await this.runtime();
    if (running?.type === "sink") {
      out.group = sinkGroup(name);
      out.lag = await running.runner.lag();
    } else if (running?.type === "source") out.metrics.delivery_ids_remembered = running.runner.remembered();
    return out;
  }

  private setState(name: string, state: ConnectorState, alarm: boolean): { ok: true } | Failure {
    const s = this.stored;
    if (!s) return this.missing(name);
    this.save({ ...s, state, trace: state === "RUNNING" ? undefined : s.trace });
    if (alarm) this.options.alarms.setAlarm(this.now());
    else this.options.alarms.deleteAlarm();
    return { ok: true };
  }

  pause(name: string): { ok: true } | Failure {
    return this.setState(name, "PAUSED", false);
  }

  resume(name: string): { ok: true } | Failure {
    const s = this.stored;
    if (s?.state === "FAILED") return { ok: true }; // Kafka Connect: a failed connector needs a restart
    return this.setState(name, s?.state === "PAUSED" ? "RUNNING" : (s?.state ?? "RUNNING"), true);
  }

  async restart(name: string): Promise<{ ok: true } | Failure> {
    const s = this.stored;
    if (!s) return this.missing(name);
    const running = await this.runtime();
    if (running?.type === "sink") running.runner.resetAttempts();
    this.running = undefined;
    return this.setState(name, s.state === "PAUSED" ? "PAUSED" : "RUNNING", s.state !== "PAUSED");
  }

  async remove(name: string): Promise<{ ok: true } | Failure> {
    if (!this.stored) return this.missing(name);
    this.stored = undefined;
    this.running = undefined;
    this.metricsCache = undefined;
    this.options.alarms.deleteAlarm();
    await this.options.deleteAll();
    await this.options.registry().unregister(name);
    return { ok: true };
  }

  async webhook(name: string, delivery: WebhookDelivery): Promise<WebhookResult> {
    const s = this.stored;
    // The same answer for a connector that is not there and one that takes no webhooks.
    if (!s) return this.missing(name);
    const running = await this.runtime();
    if (running?.type !== "source") return fail("not_found", `connector "${name}" takes no webhooks (it is not a webhook source)`);
    if (s.state !== "RUNNING") return fail("connector_paused", `connector "${name}" is ${s.state.toLowerCase()}; deliver again later`);
    const accepted = await running.kind.accept(this.context(name), running.config, delivery);
    if (!accepted.ok) {
      this.count("deliveries_refused", 1);
      return accepted;
    }
    const r = await running.runner.append(accepted.id, accepted.record);
    if (r.ok) this.count(r.duplicate ? "deliveries_duplicate" : "records_appended", 1);
    return r;
  }

  async alarm(): Promise<void> {
    // One step at a time: an alarm arriving while a step awaits the network waits for it.
    while (this.stepping) await this.stepping;
    const step = this.step();
    this.stepping = step;
    try {
      await step;
    } finally {
      this.stepping = undefined;
    }
  }

  private async step(): Promise<void> {
    if (this.stored?.state !== "RUNNING") return;
    const running = await this.runtime();
    if (running?.type !== "sink") return;
    let next: number;
    try {
      next = await running.runner.step();
    } catch (err) {
      // A failed step is tried again after the poll interval; the status shows why.
      if (this.stored) this.save({ ...this.stored, trace: `step failed: ${(err as Error).message}` });
      next = this.now() + running.settings.pollMs;
    }
    // Paused, failed or deleted while the step ran: no further alarm.
    if (this.stored?.state === "RUNNING" && this.running === running && Number.isFinite(next))
      this.options.alarms.setAlarm(Math.max(next, this.now()));
  }

  // The registry (CONNECTOR_REGISTRY_NAME).
  register(entry: ConnectorListing): { ok: true } {
    this.storage.sql.exec("CREATE TABLE IF NOT EXISTS connectors (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
    this.storage.sql.exec("INSERT OR REPLACE INTO connectors (name, value) VALUES (?, ?)", entry.name, JSON.stringify(entry));
    return { ok: true };
  }

  unregister(name: string): { ok: true } {
    this.storage.sql.exec("CREATE TABLE IF NOT EXISTS connectors (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
    this.storage.sql.exec("DELETE FROM connectors WHERE name = ?", name);
    return { ok: true };
  }

  list(): ConnectorListing[] {
    this.storage.sql.exec("CREATE TABLE IF NOT EXISTS connectors (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
    return this.storage.sql
      .exec<{ value: string }>("SELECT value FROM connectors ORDER BY name")
      .toArray()
      .map((r) => JSON.parse(r.value) as ConnectorListing);
  }
}
