// Schema pieces every domain's routes share: the error body, strict integer parameters (the
// rules of params.ts: "12abc", "-1" or "1e3" is a 400 naming the parameter), name parameters,
// and the JSON + MessagePack media types a structured body or answer comes in.
import { z } from "@hono/zod-openapi";
import { BrokerError, type ErrorCode } from "../../core/errors.ts";
import { MEDIA } from "../content.ts";

export const ErrorBody = z
  .object({
    error: z
      .looseObject({
        code: z.string().openapi({ description: "stable snake_case code", example: "topic_not_found" }),
        message: z.string().openapi({ example: 'topic "orders" does not exist' }),
      })
      .openapi({ description: "More fields may follow (e.g. the valid offset range, a limit)." }),
  })
  .openapi("Error", { example: { error: { code: "topic_not_found", message: 'topic "orders" does not exist' } } });

export const ERROR_TEXT: Record<number, string> = {
  400: "The request is malformed (the code names what: invalid_parameter, bad_request, ...)",
  401: "No or an unknown bearer token",
  403: "The key lacks the grant (also for a resource that does not exist)",
  404: "The resource does not exist",
  409: "Conflict (the code says which: exists, fenced, out of order, ...)",
  413: "The body exceeds a size limit",
  415: "The Content-Type is not accepted here",
  416: "The offset lies outside the log (the answer carries the valid range)",
  429: "A quota of the key is exhausted (Retry-After says when to retry)",
  503: "The broker is not configured or not ready",
};

/** Error answers, each `{"error": {"code", "message"}}`. */
export function errors(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: ERROR_TEXT[s] ?? "Error", content: { [MEDIA.json]: { schema: ErrorBody } } }]),
  ) as Record<number, { description: string; content: { "application/json": { schema: typeof ErrorBody } } }>;
}

/** The errors every authenticated /v1 route may answer. */
export const AUTH_ERRORS = [401, 403, 429, 503] as const;

/** A structured body or answer: JSON, or MessagePack under both registered names (content.ts). */
export function structured<S extends z.ZodType>(schema: S, example?: unknown) {
  const media = example === undefined ? { schema } : { schema, example };
  return { [MEDIA.json]: media, [MEDIA.msgpack]: media, [MEDIA.msgpackVnd]: media };
}

/** A JSON-only answer. */
export function json<S extends z.ZodType>(schema: S, example?: unknown) {
  return { [MEDIA.json]: example === undefined ? { schema } : { schema, example } };
}

const INTEGER = /^(0|[1-9][0-9]*)$/;

type IntOptions = { default?: number; max?: number; min?: number; description?: string; example?: number };

function checkInt(raw: string | undefined, opts: IntOptions & { optional?: boolean }, ctx: z.RefinementCtx): number | undefined {
  const fail = (message: string, extra?: Record<string, unknown>) => {
    ctx.addIssue({ code: "custom", message, params: extra ? { extra } : undefined });
    return z.NEVER;
  };
  if (raw === undefined && opts.optional) return opts.default;
  if (raw === undefined || raw === "") return opts.default !== undefined ? opts.default : fail("required");
  if (!INTEGER.test(raw)) return fail(`expected a non-negative integer, got "${raw}"`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) return fail(`${raw} is too large`);
  if (opts.max !== undefined && value > opts.max) return fail(`${value} exceeds the maximum of ${opts.max}`, { limit: opts.max });
  if (opts.min !== undefined && value < opts.min) return fail(`must be at least ${opts.min}`, { minimum: opts.min });
  return value;
}

function intMeta(opts: IntOptions) {
  return {
    type: "integer" as const,
    minimum: opts.min ?? 0,
    ...(opts.max !== undefined ? { maximum: opts.max } : {}),
    ...(opts.default !== undefined ? { default: opts.default } : {}),
    ...(opts.description ? { description: opts.description } : {}),
    ...(opts.example !== undefined ? { example: opts.example } : {}),
  };
}

/** An optional non-negative integer query or header parameter: its default (or undefined) when absent. */
export function intQuery<O extends IntOptions>(opts: O = {} as O) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => checkInt(raw, { ...opts, optional: true }, ctx) as O["default"] extends number ? number : number | undefined)
    .openapi(intMeta(opts));
}

/** A required non-negative integer parameter (a path segment, or a query parameter with no default). */
export function intRequired(opts: Omit<IntOptions, "default"> = {}) {
  return z
    .string({ error: "required" })
    .transform((raw, ctx) => checkInt(raw, opts, ctx) as number)
    .openapi(intMeta(opts));
}

export const TopicParam = z.string().openapi({ description: "The topic's name", example: "orders" });
export const PartitionParam = intRequired({ description: "The partition number (0 .. partitions − 1)", example: 0 });
export const TopicPath = z.object({ topic: TopicParam });
export const PartitionPath = z.object({ topic: TopicParam, partition: PartitionParam });

/** `isolation=read_committed | read_uncommitted` (Kafka's isolation.level; default read_uncommitted). */
export const IsolationQuery = z
  .enum(["read_uncommitted", "read_committed"], {
    error: (iss) => `expected read_committed or read_uncommitted, got ${JSON.stringify(iss.input)}`,
  })
  .default("read_uncommitted")
  .openapi({ description: "read_committed hides records of open and aborted transactions (docs/transactions.md)" });

/**
 * A body object of exactly these fields: a non-object is "the body must be an object", an unknown
 * field is refused by name, as content.ts's asObject did.
 */
export function bodyObject<T extends z.ZodRawShape>(shape: T) {
  const fields = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys" ? `${iss.keys[0]}: unknown field (expected ${fields})` : "the body must be an object",
  });
}

/** A custom issue with its own code (e.g. invalid_config), for checks whose answers had one. */
export function fail(ctx: z.RefinementCtx, message: string, code?: ErrorCode): typeof z.NEVER {
  ctx.addIssue({ code: "custom", message, params: code ? { code } : undefined });
  return z.NEVER;
}

/**
 * A field checked by the core's own validator (the Kafka protocol uses the same one): its
 * BrokerError becomes the issue, with its code and message unchanged. The field is required (a
 * missing one is checked as undefined, so the validator names it); add .optional() for one that
 * may be left out (zod then skips the check).
 */
export function coreChecked<T>(check: (value: unknown) => T) {
  return z.unknown().transform((value, ctx) => runCheck(check, value, ctx));
}

/** A path parameter checked by a core validator (a string, so the document marks it required). */
export function checkedParam<T>(check: (value: string) => T) {
  return z.string().transform((value, ctx) => runCheck(check as (v: unknown) => T, value, ctx));
}

function runCheck<T>(check: (value: unknown) => T, value: unknown, ctx: z.RefinementCtx): T {
  try {
    return check(value);
  } catch (err) {
    if (!(err instanceof BrokerError)) throw err;
    ctx.addIssue({ code: "custom", message: err.message, params: { code: err.code, extra: err.extra, whole: true } });
    return z.NEVER;
  }
}
