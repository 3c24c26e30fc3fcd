// The entry point transports use: one KafkaServer per broker process, one KafkaConnection per
// client connection. A transport calls `connect(sink)` when a client connects, feeds the returned
// connection's `receive()` with what it reads and calls `end()` when the peer goes away.
import type { AppDeps } from "../http/deps.ts";
import { TopicCache } from "../http/topics/topic-cache.ts";
import type { BrokerAddress, KafkaApi, KafkaServerConfig } from "./api.ts";
import { KAFKA_APIS } from "./apis.ts";
import { DEFAULT_CONNECTION_LIMITS, KafkaConnection, type ConnectionLimits, type ConnectionSink } from "./connection.ts";
import { Dispatcher } from "./dispatch.ts";

export interface KafkaServerOptions {
  deps: AppDeps;
  broker: BrokerAddress;
  clusterId?: string;
  requireAuth?: boolean;
  limits?: Partial<ConnectionLimits>;
  log?: (message: string) => void;
  apis?: readonly KafkaApi[];
}

export class KafkaServer {
  readonly config: KafkaServerConfig;
  readonly dispatcher: Dispatcher;
  private readonly limits: ConnectionLimits;

  constructor(opts: KafkaServerOptions) {
    const now = opts.deps.now ?? Date.now;
    this.config = {
      deps: opts.deps,
      broker: opts.broker,
      clusterId: opts.clusterId ?? "edgebroker",
      requireAuth: opts.requireAuth ?? true,
      topics: new TopicCache(() => opts.deps.cluster(), opts.deps.metadataTtlMs ?? 2000, now),
      log: opts.log ?? ((m) => console.warn(m)),
      now,
    };
    this.dispatcher = new Dispatcher(this.config, opts.apis ?? KAFKA_APIS);
    this.limits = { ...DEFAULT_CONNECTION_LIMITS, ...opts.limits };
  }

  /** A new client connection; `advertised` overrides the broker address it is told (a bridge's listen address). */
  connect(sink: ConnectionSink, advertised?: BrokerAddress): KafkaConnection {
    const state = this.dispatcher.newConnection();
    if (advertised) state.advertised = advertised;
    const log = this.config.log;
    return new KafkaConnection({ dispatch: (frame) => this.dispatcher.dispatch(state, frame) }, {
      ...sink,
      close: (reason) => {
        log(`kafka: closing connection: ${reason}`);
        sink.close(reason);
      },
    }, this.limits);
  }
}
