// The platform ceilings the broker is measured against, in the same runtime (workerd) and the
// same run: a route that does nothing, a Durable Object call that does nothing, and a Durable
// Object that stores (or reads back) the same request bytes in SQLite with no broker logic.
import { DurableObject } from "cloudflare:workers";

export class Ceiling extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
  }
  noop() {
    return 0;
  }
  store(bytes) {
    const cursor = this.ctx.storage.sql.exec("INSERT INTO blobs (data) VALUES (?)", bytes);
    return cursor.rowsWritten;
  }
  load(fromId, maxBytes) {
    const parts = [];
    let total = 0;
    let next = fromId;
    for (const row of this.ctx.storage.sql.exec("SELECT id, data FROM blobs WHERE id >= ? ORDER BY id", fromId)) {
      parts.push(new Uint8Array(row.data));
      total += row.data.byteLength;
      next = row.id + 1;
      if (total >= maxBytes) break;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return { next, bytes: out };
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const stub = env.CEILING.get(env.CEILING.idFromName(url.searchParams.get("name") ?? "ceiling"));
    switch (url.pathname) {
      case "/noop":
        return new Response("ok");
      case "/do-noop":
        // The body is read (and dropped) so the connection can be reused, as the broker reads it.
        await request.arrayBuffer();
        await stub.noop();
        return new Response("ok");
      case "/do-store":
        await stub.store(await request.arrayBuffer());
        return new Response("ok");
      case "/do-load": {
        const { next, bytes } = await stub.load(Number(url.searchParams.get("from")), Number(url.searchParams.get("max_bytes")));
        return new Response(bytes, { headers: { "x-next": String(next) } });
      }
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
