// SaslHandshake (key 17, v0-v1) and SaslAuthenticate (key 36, v0-v2, flexible from v2): SASL/PLAIN
// (RFC 4616) over the broker's existing credentials (DESIGN.md 7) — username = an API key's id and
// password = its secret, or username `admin` and the admin token. Handshake v1 is followed by
// SaslAuthenticate requests (KIP-152); a v0 handshake would be followed by raw SASL tokens without
// Kafka framing, which this broker does not accept (the handshake answers UNSUPPORTED_VERSION).
// A failed authentication is answered and then the connection is closed, as Kafka does.
import { tokenChecker } from "../../http/auth/token-checker.ts";
import type { KafkaApi, KafkaServerConfig, RequestContext } from "../api.ts";
import { KafkaError } from "../error-codes.ts";
import { array, f, type Msg } from "../protocol/schema.ts";

export const MECHANISMS = ["PLAIN"];
const KEY_ID = /^[0-9a-f]{16}$/;

export const saslHandshakeApi: KafkaApi = {
  apiKey: 17,
  name: "SaslHandshake",
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: Infinity,
  beforeAuth: true,
  request: [f("mechanism", "0+", "string")],
  response: [f("errorCode", "0+", "int16"), f("mechanisms", "0+", array("string"))],
  async handle(ctx, req, version) {
    if (!MECHANISMS.includes(String(req.mechanism))) {
      return { errorCode: KafkaError.UNSUPPORTED_SASL_MECHANISM, mechanisms: MECHANISMS };
    }
    ctx.conn.saslMechanism = req.mechanism;
    ctx.conn.rawSasl = version === 0;
    return { errorCode: KafkaError.NONE, mechanisms: MECHANISMS };
  },
  refuse: (_req, code) => ({ errorCode: code, mechanisms: MECHANISMS }),
};

const admins = new WeakMap<KafkaServerConfig, (token: string) => boolean>();

function adminCheck(config: KafkaServerConfig): (token: string) => boolean {
  let check = admins.get(config);
  if (!check) {
    const token = config.deps.adminToken;
    check = token ? tokenChecker(token) : () => false;
    admins.set(config, check);
  }
  return check;
}

function failed(ctx: RequestContext, message: string): Msg {
  ctx.conn.closeAfterResponse = `SASL authentication failed: ${message}`;
  return { errorCode: KafkaError.SASL_AUTHENTICATION_FAILED, errorMessage: message, authBytes: new Uint8Array(0), sessionLifetimeMs: 0 };
}

/** Checks a PLAIN message against the admin token or the key's object; sets the principal. Returns why it failed. */
export async function authenticatePlain(ctx: Pick<RequestContext, "config" | "deps" | "conn">, bytes: Uint8Array): Promise<string | undefined> {
  const plain = parsePlain(bytes);
  if (!plain) return "malformed SASL/PLAIN message";
  if (plain.authzid !== "" && plain.authzid !== plain.user) return "authorization identity must be empty or the username";
  if (plain.user === "admin") {
    if (!adminCheck(ctx.config)(plain.password)) return "invalid username or password";
    ctx.conn.principal = { kind: "admin" };
  } else {
    if (!KEY_ID.test(plain.user)) return "invalid username or password";
    // The password may be the secret alone or the whole token `ebk_<id>_<secret>` that
    // POST /v1/keys prints.
    const whole = /^ebk_([0-9a-f]{16})_(.+)$/.exec(plain.password);
    const secret = whole && whole[1] === plain.user ? whole[2]! : plain.password;
    const result = await ctx.deps.key(plain.user).verify(secret, 0);
    if (!result.ok) return result.error.code === "rate_limited" ? result.error.message : "invalid username or password";
    ctx.conn.principal = { kind: "key", ...result.key };
    ctx.conn.secret = secret;
    ctx.conn.checkedAt = ctx.config.now();
  }
  ctx.conn.saslMechanism = undefined;
  ctx.conn.rawSasl = false;
  return undefined;
}

/** RFC 4616: message = [authzid] NUL authcid NUL passwd. */
function parsePlain(bytes: Uint8Array): { authzid: string; user: string; password: string } | undefined {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const parts = text.split("\u0000");
  if (parts.length !== 3) return undefined;
  return { authzid: parts[0]!, user: parts[1]!, password: parts[2]! };
}

export const saslAuthenticateApi: KafkaApi = {
  apiKey: 36,
  name: "SaslAuthenticate",
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  beforeAuth: true,
  request: [f("authBytes", "0+", "bytes")],
  response: [
    f("errorCode", "0+", "int16"),
    f("errorMessage", "0+", "string", { nullable: "0+" }),
    f("authBytes", "0+", "bytes"),
    f("sessionLifetimeMs", "1+", "int64"),
  ],
  async handle(ctx, req) {
    if (ctx.conn.saslMechanism !== "PLAIN") {
      ctx.conn.closeAfterResponse = "SaslAuthenticate without a SaslHandshake";
      return { errorCode: KafkaError.ILLEGAL_SASL_STATE, errorMessage: "send SaslHandshake (PLAIN) first", authBytes: new Uint8Array(0) };
    }
    if (ctx.conn.principal) return failed(ctx, "the connection is already authenticated");
    const why = await authenticatePlain(ctx, req.authBytes as Uint8Array);
    if (why) return failed(ctx, why);
    return { errorCode: KafkaError.NONE, errorMessage: null, authBytes: new Uint8Array(0), sessionLifetimeMs: 0 };
  },
  refuse: (_req, code) => ({ errorCode: code, errorMessage: null, authBytes: new Uint8Array(0) }),
};
