// FindCoordinator (key 10), v0-v4, flexible from v3; v4 (KIP-699) asks for many keys at once.
// Every group's coordinator is a group object reached through any broker, so the answer is
// always this broker (the connection's advertised address). Transaction coordinators (key type 1)
// are answered the same way: the transactional id's coordinator object is found by name from any
// broker too. It needs a grant on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as
// Kafka's Describe on TransactionalId), and a host without coordinators answers
// COORDINATOR_NOT_AVAILABLE. Other key types (KIP-932 share groups) are INVALID_REQUEST.
import type { KafkaApi, RequestContext } from "../api.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { groupRefusal } from "./access.ts";
import { GroupError } from "./errors.ts";
import { txnRefusal } from "../txn/access.ts";

function answer(
  ctx: RequestContext,
  key: string,
  keyType: number,
): { errorCode: number; errorMessage: string | null; nodeId: number; host: string; port: number } {
  const refused =
    keyType === 0 ? groupRefusal(ctx, key) : keyType === 1 ? txnRefusal(ctx, key, ["produce", "consume"]) : GroupError.INVALID_REQUEST;
  if (refused !== undefined) {
    const what = keyType === 0 ? "group" : keyType === 1 ? "transactional id" : `key type ${keyType}`;
    return { errorCode: refused, errorMessage: `${what} "${key}" is not accessible`, nodeId: -1, host: "", port: -1 };
  }
  return { errorCode: GroupError.NONE, errorMessage: null, nodeId: ctx.broker.nodeId, host: ctx.broker.host, port: ctx.broker.port };
}

export const findCoordinatorApi: KafkaApi = {
  apiKey: 10,
  name: "FindCoordinator",
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  request: [f("key", "0-3", "string"), f("keyType", "1+", "int8"), f("coordinatorKeys", "4+", array("string"))],
  response: [
    f("throttleTimeMs", "1+", "int32"),
    f("errorCode", "0-3", "int16"),
    f("errorMessage", "1-3", "string", { nullable: "1-3" }),
    f("nodeId", "0-3", "int32"),
    f("host", "0-3", "string"),
    f("port", "0-3", "int32"),
    f(
      "coordinators",
      "4+",
      array([
        f("key", "4+", "string"),
        f("nodeId", "4+", "int32"),
        f("host", "4+", "string"),
        f("port", "4+", "int32"),
        f("errorCode", "4+", "int16"),
        f("errorMessage", "4+", "string", { nullable: "4+" }),
      ]),
    ),
  ],
  async handle(ctx, req, version) {
    if (version >= 4) {
      return {
        throttleTimeMs: 0,
        coordinators: (req.coordinatorKeys as string[]).map((key) => ({ key, ...answer(ctx, key, req.keyType) })),
      };
    }
    return { throttleTimeMs: 0, ...answer(ctx, req.key, req.keyType) };
  },
  refuse: (req: Msg, code: number) => ({
    throttleTimeMs: 0,
    errorCode: code,
    errorMessage: null,
    nodeId: -1,
    host: "",
    port: -1,
    coordinators: ((req.coordinatorKeys as string[] | undefined) ?? []).map((key) => ({
      key,
      nodeId: -1,
      host: "",
      port: -1,
      errorCode: code,
      errorMessage: null,
    })),
  }),
};
