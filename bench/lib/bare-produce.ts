// The ceiling for single-record produce on a standalone host: a bare server of the same runtime
// (node:http + node:sqlite on Node, Bun.serve + bun:sqlite on Bun — the HTTP server and SQLite
// binding each host uses) doing the same durable, group-committed insert as a partition and
// nothing else: no routing, auth, topic lookup, record batch or validation.
//   POST /produce with the broker's JSON body {"records":[{"value": …}, …]} → JSON.parse, and each
//   value's JSON text queued; the first queued request schedules a flush for the next macrotask
//   (2 ms later when the previous group held several small appends, as PartitionLog lingers),
//   which writes the whole group as ONE row (BEGIN; INSERT; COMMIT) in WAL mode with
//   synchronous=FULL, then answers each request with its offsets.
// Run: `node bench/lib/bare-produce.ts` or `bun bench/lib/bare-produce.ts`, with PORT and DATA_DIR.
import { join } from "node:path";

interface Db {
  exec(sql: string): void;
  insert(data: Uint8Array): void;
}
const SETUP = [
  "PRAGMA journal_mode=WAL",
  "PRAGMA synchronous=FULL",
  "CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY, data BLOB NOT NULL)",
];
declare const Bun: { serve(o: { port: number; hostname: string; fetch(req: Request): Promise<Response> }): unknown } | undefined;

const port = Number(process.env.PORT ?? 0);
const file = join(process.env.DATA_DIR ?? ".", "bare.sqlite");
const LINGER_MS = 2;

async function open(): Promise<Db> {
  if (typeof Bun !== "undefined") {
    const { Database } = await import("bun:sqlite" as string);
    const db = new Database(file);
    for (const sql of SETUP) db.exec(sql);
    const insert = db.prepare("INSERT INTO log (data) VALUES (?)");
    return { exec: (sql) => db.exec(sql), insert: (data) => insert.run(data) };
  }
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(file);
  for (const sql of SETUP) db.exec(sql);
  const insert = db.prepare("INSERT INTO log (data) VALUES (?)");
  return { exec: (sql) => db.exec(sql), insert: (data) => void insert.run(data) };
}

const db = await open();

const utf8 = new TextEncoder();
let pending: Array<{ values: Uint8Array[]; resolve(first: number): void }> = [];
let scheduled = false;
let linger = 0;
let next = 0;

function flush(): void {
  scheduled = false;
  const group = pending;
  pending = [];
  let size = 0;
  for (const p of group) for (const v of p.values) size += v.length;
  const row = new Uint8Array(size);
  let at = 0;
  for (const p of group)
    for (const v of p.values) {
      row.set(v, at);
      at += v.length;
    }
  db.exec("BEGIN");
  db.insert(row);
  db.exec("COMMIT");
  linger = group.length > 1 && size < 64 * 1024 ? LINGER_MS : 0;
  for (const p of group) {
    p.resolve(next);
    next += p.values.length;
  }
  if (pending.length > 0) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setTimeout(flush, linger);
}

async function produce(body: string): Promise<string> {
  const parsed = JSON.parse(body) as { records: Array<{ value: unknown }> };
  const values = parsed.records.map((r) => utf8.encode(JSON.stringify(r.value)));
  const first = await new Promise<number>((resolve) => {
    pending.push({ values, resolve });
    schedule();
  });
  return JSON.stringify({ offsets: values.map((_, i) => ({ partition: 0, offset: first + i })) });
}

if (typeof Bun !== "undefined") {
  Bun.serve({
    port,
    hostname: "127.0.0.1",
    async fetch(req) {
      if (new URL(req.url).pathname === "/healthz") return new Response("ok");
      return new Response(await produce(await req.text()), { headers: { "content-type": "application/json" } });
    },
  });
} else {
  const http = await import("node:http");
  http
    .createServer((req, res) => {
      if (req.url === "/healthz") return void res.end("ok");
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        void produce(Buffer.concat(chunks).toString()).then((out) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(out);
        });
      });
    })
    .listen(port, "127.0.0.1");
}
