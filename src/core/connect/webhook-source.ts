// The webhook source: a third party POSTs to /v1/connectors/{name}/webhook with no bearer token;
// its signature scheme is the credential — a configurable header holding an HMAC-SHA256 of the raw
// body (defaults: GitHub's X-Hub-Signature-256, "sha256=", hex). Each verified delivery becomes
// one record: key = the delivery id (a configurable header; GitHub's X-GitHub-Delivery), value =
// the body as sent, headers = its content type and the delivery id. The runtime drops a delivery
// whose id it appended within `dedupe.window.ms` (source-runner.ts).
import { fail } from "../errors.ts";
import type { Fields } from "./config-fields.ts";
import type { SourceKind } from "./kinds.ts";
import { verifyHmacHeader } from "./signing.ts";

export interface WebhookSourceConfig {
  secret: string;
  signatureHeader: string;
  prefix: string;
  encoding: "hex" | "base64";
  idHeader: string;
}

const utf8 = new TextEncoder();
const MAX_ID_LENGTH = 256;

export const webhookSource: SourceKind<WebhookSourceConfig> = {
  type: "source",
  secrets: ["webhook.secret"],

  async parse(f: Fields): Promise<WebhookSourceConfig> {
    return {
      secret: f.required("webhook.secret", "the HMAC key the sender signs with"),
      signatureHeader: (f.str("webhook.signature.header") ?? "X-Hub-Signature-256").toLowerCase(),
      prefix: f.text("webhook.signature.prefix") ?? "sha256=",
      encoding: f.oneOf("webhook.signature.encoding", ["hex", "base64"] as const, "hex"),
      idHeader: (f.str("webhook.delivery.id.header") ?? "X-GitHub-Delivery").toLowerCase(),
    };
  },

  async accept(ctx, config, delivery) {
    const signed = await verifyHmacHeader(delivery.headers[config.signatureHeader], config, delivery.body);
    // Said the same way whether the header is missing or wrong: nothing to learn from the answer.
    if (!signed) return fail("invalid_signature", `the ${config.signatureHeader} header does not hold a valid signature of the body`);
    const id = delivery.headers[config.idHeader];
    if (!id || id.length > MAX_ID_LENGTH)
      return fail("bad_request", `the ${config.idHeader} header (the delivery id, 1 to ${MAX_ID_LENGTH} characters) is required`);
    const headers: Array<[string, Uint8Array]> = [["webhook-delivery-id", utf8.encode(id)]];
    const type = delivery.headers["content-type"];
    if (type) headers.push(["content-type", utf8.encode(type)]);
    return { ok: true, id, record: { key: utf8.encode(id), value: delivery.body, headers, timestamp: ctx.now() } };
  },
};
