// The console's one door to the broker: the public HTTP API, same origin, with
// `Authorization: Bearer <token>`. Errors keep the broker's {"error": {"code", "message"}}.
import { clearToken, loadToken } from "./session.ts";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Called when the broker answers 401: the token is gone or revoked, so sign in again. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const token = loadToken();
  return token ? { authorization: `Bearer ${token}`, ...extra } : extra;
}

export async function errorOf(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    // not a JSON error body (Durable Streams answers some errors as text)
  }
  if (res.status === 401) {
    clearToken();
    onUnauthorized();
  }
  return new ApiError(res.status, code, message);
}

export async function request(
  method: string,
  path: string,
  init: { body?: unknown; raw?: BodyInit; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Response> {
  const headers = authHeaders(init.headers);
  let body: BodyInit | undefined = init.raw;
  if (init.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(init.body);
  }
  const res = await fetch(path, { method, headers, body, signal: init.signal, cache: "no-store" });
  if (!res.ok) throw await errorOf(res);
  return res;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(method, path, body === undefined ? {} : { body });
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const enc = encodeURIComponent;

// Shapes of the answers the console reads (docs/API.md; more fields may come).
export interface TopicSummary {
  name: string;
  partitions: number;
}
export interface PartitionStats {
  partition: number;
  start_offset: number;
  end_offset: number;
  bytes: number;
  rows: number;
  segments: number;
  oldest_timestamp: number | null;
}
export interface TopicDescription {
  name: string;
  partitions: PartitionStats[];
  config: Record<string, string | number>;
  created_at?: number;
}
export interface RecordView {
  topic?: string;
  partition?: number;
  offset: number;
  timestamp: number;
  key?: string | null;
  key_b64?: string;
  value?: unknown;
  value_b64?: string;
  headers?: Record<string, string>;
  headers_b64?: Record<string, string>;
}
export interface FetchAnswer {
  records: RecordView[];
  next_offset: number;
  high_watermark: number;
  log_start_offset: number;
}
export interface Grant {
  operation: string;
  resource: string;
}
export interface KeyListing {
  id: string;
  name: string;
  grants: Grant[];
  quotas?: Record<string, number>;
  created_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
}
export interface GroupOffset {
  topic: string;
  partition: number;
  offset: number;
  high_watermark: number | null;
  lag: number | null;
  commit_time?: number;
}
export interface GroupMember {
  member_id: string;
  member_epoch: number;
  assignment: Array<{ topic: string; partitions: number[] }>;
  last_heartbeat: number;
  session_timeout_ms: number;
}
export interface GroupDescription {
  group: string;
  state: string;
  group_epoch: number;
  assignor: string;
  members: GroupMember[];
  offsets: GroupOffset[];
}
