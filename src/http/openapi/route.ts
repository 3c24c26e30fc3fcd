// Routes declared once, with @hono/zod-openapi's createRoute: the same zod schemas validate the
// request (path, query and headers through the library's validators, bodies through readBody
// below) and describe it in GET /openapi.json (docs/http-api.md). A schema failure becomes the
// broker's own `{"error": {"code", "message"}}` 400, never the library's default answer.
import { OpenAPIHono, type RouteConfig, type RouteHandler, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { BrokerError, type ErrorCode } from "../../core/errors.ts";
import { type BodyKind, bodyKind, readStructuredBody } from "../content.ts";

type Issue = z.core.$ZodIssue;

/** `records[0].partition`: the path as the hand-written checks always named a field. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

/**
 * The first issue as a BrokerError: "<field>: <what is wrong>". A custom issue may name its own
 * code and extra fields (`params: {code, extra}`), as some checks answer invalid_config or carry
 * the limit; otherwise the code is the one the failing part of the request goes by.
 */
export function issueError(issues: readonly Issue[], code: ErrorCode): BrokerError {
  const issue = issues[0]!;
  const params = (issue.code === "custom" ? issue.params : undefined) as
    | { code?: ErrorCode; extra?: Record<string, unknown>; whole?: boolean }
    | undefined;
  const field = params?.whole ? "" : fieldPath(issue.path);
  return new BrokerError(params?.code ?? code, field ? `${field}: ${issue.message}` : issue.message, params?.extra);
}

/** The defaultHook: path, query and header failures are `invalid_parameter`, as intParam's were. */
function throwInvalid(result: { success: boolean; error?: { issues: Issue[] } }): void {
  if (!result.success) throw issueError(result.error!.issues, "invalid_parameter");
}

/** A sub-app whose routes land in the document; its validation failures throw to app.onError. */
export function openApp(): OpenAPIHono {
  return new OpenAPIHono({ defaultHook: throwInvalid as never });
}

/**
 * Registers `route` in the document with its request body, and serves it with path, query and
 * header validation only. Bodies are not handed to the library's JSON validator: it would parse
 * with JSON.parse (losing the strict decoder's depth, UTF-8 and exact-integer checks) and skip
 * MessagePack. Handlers read bodies with readBody (structured) or their own parser (data plane).
 */
export function openRoute<R extends RouteConfig>(
  app: OpenAPIHono,
  route: R,
  handler: (c: Parameters<RouteHandler<R>>[0]) => Response | Promise<Response>,
): void {
  app.openAPIRegistry.registerPath(route);
  const { body: _body, ...request } = route.request ?? {};
  app.openapi({ ...route, request, hide: true } as R, handler as never);
}

export interface BodyOptions {
  /** The error code a schema failure answers (default bad_request). */
  code?: ErrorCode;
  /** Accepted encodings (default JSON and MessagePack). */
  kinds?: BodyKind[];
  /** No body (no Content-Type, or Content-Length 0) is read as {}. */
  optional?: boolean;
}

/** A JSON or MessagePack body, decoded strictly (body-decode.ts), then parsed with its schema. */
export async function readBody<S extends z.ZodType>(c: Context, schema: S, opts: BodyOptions = {}): Promise<z.output<S>> {
  const absent = c.req.header("content-length") === "0" || c.req.header("content-type") === undefined;
  const raw = opts.optional && absent ? {} : await readStructuredBody(c, bodyKind(c, opts.kinds ?? ["json", "msgpack"]));
  return parseBody(schema, raw, opts.code);
}

/** Parses an already decoded body with its schema (bodyObject's refuse non-objects by name). */
export function parseBody<S extends z.ZodType>(schema: S, raw: unknown, code: ErrorCode = "bad_request"): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw issueError(result.error.issues, code);
  return result.data;
}
