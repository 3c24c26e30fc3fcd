// The API-key routes in the OpenAPI document (admin only). Grants are checked by the core's
// rules (src/core/keys/grants.ts), quotas and the rotation grace here.
import { createRoute, z } from "@hono/zod-openapi";
import { BrokerError } from "../../core/errors.ts";
import { validateGrants } from "../../core/keys/grants.ts";
import type { Quotas } from "../../core/keys/service.ts";
import { bodyObject, checkedParam, coreChecked, errors, fail, structured } from "../openapi/schemas.ts";

const tags = ["API keys"];
const KEY_ID = /^[0-9a-f]{16}$/;
export const MAX_GRACE_MS = 7 * 86_400_000;

function validateQuotas(input: unknown): Quotas {
  if (input === undefined || input === null) return {};
  if (typeof input !== "object" || Array.isArray(input))
    throw new BrokerError("bad_request", "quotas: expected {requests_per_second, bytes_per_second}");
  const out: Quotas = {};
  for (const [k, v] of Object.entries(input)) {
    if (k !== "requests_per_second" && k !== "bytes_per_second")
      throw new BrokerError("bad_request", `quotas.${k}: unknown quota (expected requests_per_second, bytes_per_second)`);
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1)
      throw new BrokerError("bad_request", `quotas.${k}: expected a positive integer, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

const Grant = z
  .object({
    operation: z.enum(["produce", "consume", "admin"]),
    resource: z.string().openapi({ description: 'topic:<name or prefix*>, group:<…>, transactional_id:<…>, "metrics" or "*"' }),
  })
  .openapi("Grant");

const QuotasDoc = z
  .object({ requests_per_second: z.int().min(1).optional(), bytes_per_second: z.int().min(1).optional() })
  .openapi("Quotas");

export const KeyCreate = bodyObject({
  name: z
    .unknown()
    .transform((v, ctx) =>
      typeof v === "string" && v.length > 0 && v.length <= 200 ? v : fail(ctx, "expected a non-empty string of at most 200 characters"),
    )
    .openapi({ type: "string", minLength: 1, maxLength: 200 }),
  grants: coreChecked(validateGrants).openapi({ type: "array", items: { $ref: "#/components/schemas/Grant" }, minItems: 1 }),
  quotas: coreChecked(validateQuotas)
    .optional()
    .openapi({
      type: "object",
      properties: { requests_per_second: { type: "integer", minimum: 1 }, bytes_per_second: { type: "integer", minimum: 1 } },
      additionalProperties: false,
    }),
}).openapi("KeyCreateRequest");

export const KeyRotate = z
  .looseObject(
    {
      grace_ms: z
        .unknown()
        .optional()
        .transform((g, ctx) =>
          g === undefined
            ? 0
            : typeof g === "number" && Number.isSafeInteger(g) && g >= 0 && g <= MAX_GRACE_MS
              ? g
              : fail(ctx, `expected an integer from 0 to ${MAX_GRACE_MS}`),
        )
        .openapi({ type: "integer", minimum: 0, maximum: MAX_GRACE_MS, default: 0, description: "How long the old secret stays valid" }),
    },
    { error: "the body must be an object" },
  )
  .openapi("KeyRotateRequest");

const KeyIdParam = checkedParam((id) => {
  if (!KEY_ID.test(id)) throw new BrokerError("invalid_parameter", `key id: expected 16 hex digits, got "${id.slice(0, 40)}"`);
  return id;
}).openapi({ type: "string", pattern: KEY_ID.source, example: "3f9a0c2e71d45b86" });
const KeyPath = z.object({ id: KeyIdParam });

const KeyListing = z
  .object({
    id: z.string(),
    name: z.string(),
    grants: z.array(Grant),
    quotas: QuotasDoc,
    created_at: z.int(),
    rotated_at: z.int().nullable(),
    revoked_at: z.int().nullable(),
  })
  .openapi("Key");

const listing = {
  id: "3f9a0c2e71d45b86",
  name: "device-42",
  grants: [{ operation: "produce" as const, resource: "topic:telemetry.*" }],
  quotas: { requests_per_second: 50 },
  created_at: 1_764_547_100_000,
  rotated_at: null,
  revoked_at: null,
};
const secret = "ebk_3f9a0c2e71d45b86_Qm9yZWFsaXMtZXhhbXBsZS1zZWNyZXQx";
const KEY_ERRORS = [401, 403, 429, 503] as const;

export const CREATE_KEY = createRoute({
  method: "post",
  path: "/",
  tags,
  summary: "Create an API key (the secret is shown once: use it as the bearer token)",
  request: {
    body: {
      required: true,
      content: structured(KeyCreate, {
        name: "device-42",
        grants: [{ operation: "produce", resource: "topic:telemetry.*" }],
        quotas: { requests_per_second: 50 },
      }),
    },
  },
  responses: {
    201: { description: "The key and its secret", content: structured(KeyListing.extend({ secret: z.string() }), { ...listing, secret }) },
    ...errors(400, ...KEY_ERRORS, 415),
  },
});

export const LIST_KEYS = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "List the keys (never their secrets)",
  responses: {
    200: { description: "The keys", content: structured(z.object({ keys: z.array(KeyListing) }), { keys: [listing] }) },
    ...errors(...KEY_ERRORS),
  },
});

export const GET_KEY = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  summary: "Show a key (never its secret)",
  request: { params: KeyPath },
  responses: { 200: { description: "The key", content: structured(KeyListing, listing) }, ...errors(400, ...KEY_ERRORS, 404) },
});

export const ROTATE_KEY = createRoute({
  method: "post",
  path: "/{id}/rotate",
  tags,
  summary: "Rotate a key's secret, optionally keeping the old one valid for a grace period",
  request: { params: KeyPath, body: { required: false, content: structured(KeyRotate, { grace_ms: 3_600_000 }) } },
  responses: {
    200: {
      description: "The new secret",
      content: structured(z.object({ id: z.string(), secret: z.string(), rotated_at: z.int(), previous_valid_until: z.int().nullable() }), {
        id: listing.id,
        secret,
        rotated_at: 1_764_550_000_000,
        previous_valid_until: 1_764_553_600_000,
      }),
    },
    ...errors(400, ...KEY_ERRORS, 404, 415),
  },
});

export const REVOKE_KEY = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  summary: "Revoke a key (at once, everywhere)",
  request: { params: KeyPath },
  responses: { 204: { description: "Revoked" }, ...errors(400, ...KEY_ERRORS, 404) },
});
