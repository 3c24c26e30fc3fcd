// One request frame in, one response frame (or none) out: header, API lookup, version check,
// authentication gate, decode, handler, encode. Everything that can go wrong with a client's bytes
// ends here as an answer or as a close with a reason — never as a thrown error reaching the
// transport, and never with a handler having run on a partly decoded request (the whole body is
// decoded before the handler starts).
import { CREDENTIAL_CHECK_MS } from "../core/keys/credential-check.ts";
import { allows, seesResource, type Operation } from "../core/keys/grants.ts";
import { isFlexible, type ConnectionState, type KafkaApi, type KafkaServerConfig, type RequestContext } from "./api.ts";
import { KafkaError } from "./error-codes.ts";
import { authenticatePlain } from "./apis/sasl.ts";
import { API_VERSIONS_KEY, finishFrame, readRequestHeader, skipHeaderTags, startResponse, type RequestHeader } from "./protocol/header.ts";
import { ProtocolError, Reader } from "./protocol/reader.ts";
import { decodeStruct, encodeStruct, type Msg } from "./protocol/schema.ts";

export type DispatchResult =
  | { kind: "response"; frame: Uint8Array; close?: string }
  | { kind: "none" }
  | { kind: "close"; reason: string };


export class Dispatcher {
  readonly apis: ReadonlyMap<number, KafkaApi>;
  private readonly config: KafkaServerConfig;

  constructor(config: KafkaServerConfig, apis: readonly KafkaApi[]) {
    this.config = config;
    const byKey = new Map<number, KafkaApi>();
    for (const api of apis) {
      if (byKey.has(api.apiKey)) throw new Error(`two Kafka API modules for key ${api.apiKey}`);
      byKey.set(api.apiKey, api);
    }
    this.apis = byKey;
  }

  newConnection(): ConnectionState {
    return { principal: undefined, saslMechanism: undefined };
  }

  async dispatch(conn: ConnectionState, frame: Uint8Array): Promise<DispatchResult> {
    if (conn.rawSasl) {
      // SaslHandshake v0 (KIP-43): the PLAIN message comes unframed; success is an empty frame.
      const why = await authenticatePlain({ config: this.config, deps: this.config.deps, conn }, frame);
      if (why) return { kind: "close", reason: `SASL authentication failed: ${why}` };
      return { kind: "response", frame: new Uint8Array(4) };
    }
    const r = new Reader(frame);
    let header: RequestHeader;
    try {
      header = readRequestHeader(r);
    } catch (err) {
      return { kind: "close", reason: `malformed request header: ${(err as Error).message}` };
    }
    const api = this.apis.get(header.apiKey);
    if (!api) {
      this.config.log(`kafka: unsupported API key ${header.apiKey} v${header.apiVersion} (client ${header.clientId ?? "-"})`);
      return { kind: "response", frame: unsupported(header, false) };
    }
    if (header.apiVersion < api.minVersion || header.apiVersion > api.maxVersion) {
      // KIP-511: an ApiVersions request newer than the broker knows is answered in v0 with
      // UNSUPPORTED_VERSION and the supported ranges, so the client can retry at a version we speak.
      if (api.apiKey === API_VERSIONS_KEY) return this.encode(api, header, 0, api.refuse!({}, KafkaError.UNSUPPORTED_VERSION, 0)!);
      this.config.log(`kafka: ${api.name} v${header.apiVersion} not supported (${api.minVersion}-${api.maxVersion})`);
      return { kind: "response", frame: unsupported(header, isFlexible(api, header.apiVersion)) };
    }
    const version = header.apiVersion;
    let request: Msg;
    try {
      skipHeaderTags(r, isFlexible(api, version));
      request = decodeStruct(r, api.request, version, isFlexible(api, version));
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      return { kind: "close", reason: `malformed ${api.name} v${version} request: ${err.message}` };
    }
    if (!api.beforeAuth && this.config.requireAuth && !conn.principal) {
      const refusal = api.refuse?.(request, KafkaError.SASL_AUTHENTICATION_FAILED, version);
      if (refusal === undefined) return { kind: "close", reason: `${api.name} before SASL authentication` };
      return refusal === null ? { kind: "none" } : this.encode(api, header, version, refusal);
    }
    if (!api.beforeAuth && !(await this.stillValid(conn))) {
      return { kind: "close", reason: "the API key this connection authenticated with was revoked or rotated" };
    }
    let response: Msg | null;
    try {
      response = await api.handle(this.context(conn, header), request, version);
    } catch (err) {
      this.config.log(`kafka: ${api.name} v${version} failed: ${(err as Error)?.stack ?? String(err)}`);
      if (!api.refuse) return { kind: "close", reason: `${api.name} failed on the server` };
      response = api.refuse(request, KafkaError.UNKNOWN_SERVER_ERROR, version);
    }
    if (response === null) return { kind: "none" };
    const result = this.encode(api, header, version, response);
    if (conn.closeAfterResponse && result.kind === "response") result.close = conn.closeAfterResponse;
    return result;
  }

  private encode(api: KafkaApi, header: RequestHeader, version: number, response: Msg): DispatchResult {
    const flexible = isFlexible(api, version);
    const w = startResponse(header.correlationId, flexible && api.apiKey !== API_VERSIONS_KEY);
    encodeStruct(w, api.response, response, version, flexible);
    return { kind: "response", frame: finishFrame(w) };
  }

  private async stillValid(conn: ConnectionState): Promise<boolean> {
    const p = conn.principal;
    if (!p || p.kind !== "key" || !conn.secret) return true;
    const now = this.config.now();
    // The same interval as open HTTP streams (EDGEBROKER_CREDENTIAL_CHECK_MS, src/core/credential-check.ts).
    if (now - (conn.checkedAt ?? 0) < (this.config.deps.credentialCheckMs ?? CREDENTIAL_CHECK_MS)) return true;
    conn.checkedAt = now;
    try {
      return await this.config.deps.key(p.id).check(conn.secret);
    } catch {
      return true; // the key's object is unreachable for a moment: the next request asks again
    }
  }

  private context(conn: ConnectionState, header: RequestHeader): RequestContext {
    const p = conn.principal;
    const open = !this.config.requireAuth && !p;
    return {
      config: this.config,
      deps: this.config.deps,
      conn,
      header,
      broker: conn.advertised ?? this.config.broker,
      allowed: (op: Operation, resource: string) => open || p?.kind === "admin" || (!!p && allows(p.grants, op, resource)),
      holds: (op: Operation) => open || p?.kind === "admin" || (!!p && p.grants.some((g) => g.operation === op || g.operation === "admin")),
      sees: (resource: string) => open || p?.kind === "admin" || (!!p && seesResource(p.grants, resource)),
    };
  }
}

/**
 * An API or version this broker does not serve: the response header and an int16
 * UNSUPPORTED_VERSION, the leading error field of most responses. A client only sends what
 * ApiVersions advertised, so this answers probes and misbehaving clients without dropping them.
 */
function unsupported(header: RequestHeader, headerV1: boolean): Uint8Array {
  const w = startResponse(header.correlationId, headerV1);
  w.int16(KafkaError.UNSUPPORTED_VERSION);
  return finishFrame(w);
}
