// Durable Streams (/ds): the streams visible to the token (topics named ds.…, mapped back to
// their paths), create, read, append and delete, through the protocol's own routes.
import { useState } from "preact/hooks";
import { api, request, type TopicSummary } from "../api.ts";
import { streamPathOf } from "../format.ts";
import { go, href } from "../router.ts";
import { Confirm, CreateForm, ErrorNote, useAction, useLoad } from "../ui.tsx";

const dsUrl = (path: string) => `/ds/${path.split("/").map(encodeURIComponent).join("/")}`;

export function StreamsPage() {
  const topics = useLoad(() => api<{ topics: TopicSummary[] }>("GET", "/v1/topics"), []);
  const [path, setPath] = useState("");
  const [type, setType] = useState("application/json");
  const [run, error, busy] = useAction();
  const streams = (topics.data?.topics ?? []).flatMap((t): Array<{ topic: string; path: string | undefined }> => {
    const p = streamPathOf(t.name);
    return p === undefined ? (t.name.startsWith("dsh.") ? [{ topic: t.name, path: undefined }] : []) : [{ topic: t.name, path: p }];
  });
  const create = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await request("PUT", dsUrl(path.trim()), { headers: { "content-type": type } });
      go("streams", ...path.trim().split("/"));
    });
  };
  return (
    <section>
      <h2>Durable Streams</h2>
      <p>
        Streams served at <code>/ds/&lt;path&gt;</code>; each is a single-partition topic named <code>ds.…</code>.
      </p>
      <CreateForm label="Create a stream" testid="create-stream" onSubmit={create} busy={busy} error={error}>
        <label>
          Path
          <input name="path" required value={path} onInput={(e) => setPath(e.currentTarget.value)} placeholder="chat/room-1" />
        </label>
        <label>
          Content type
          <select name="type" aria-label="Content type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
            <option>application/json</option>
            <option>text/plain</option>
            <option>application/octet-stream</option>
          </select>
        </label>
      </CreateForm>
      <ErrorNote error={topics.error} />
      <div class="table-wrap">
        <table class="striped" data-testid="streams">
          <thead>
            <tr>
              <th>Stream path</th>
              <th>Topic</th>
            </tr>
          </thead>
          <tbody>
            {streams.map((s) => (
              <tr key={s.topic}>
                <td>
                  {s.path === undefined ? (
                    <em>(a long path, stored under a hash)</em>
                  ) : (
                    <a href={href("streams", ...s.path.split("/"))}>{s.path}</a>
                  )}
                </td>
                <td>
                  <a href={href("topics", s.topic)}>
                    <code>{s.topic}</code>
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!topics.loading && streams.length === 0 && !topics.error && <p>No streams visible to this token.</p>}
    </section>
  );
}

interface StreamState {
  type: string;
  next: string;
  closed: boolean;
  ttl: string | null;
  expires: string | null;
  body: string;
  bytes: number;
}

export function StreamPage({ path }: { path: string }) {
  const state = useLoad(async (): Promise<StreamState> => {
    const res = await request("GET", `${dsUrl(path)}?offset=-1`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const type = res.headers.get("content-type") ?? "";
    const textual = type.startsWith("text/") || type.includes("json");
    return {
      type,
      next: res.headers.get("stream-next-offset") ?? "",
      closed: res.headers.get("stream-closed") === "true",
      ttl: res.headers.get("stream-ttl"),
      expires: res.headers.get("stream-expires-at"),
      bytes: bytes.length,
      body: textual ? new TextDecoder().decode(bytes.subarray(0, 65_536)) : `${bytes.length} bytes of ${type}`,
    };
  }, [path]);
  const [data, setData] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [run, error, busy] = useAction();
  const s = state.data;
  const append = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await request("POST", dsUrl(path), { raw: data, headers: { "content-type": s?.type ?? "application/json" } });
      setData("");
      state.reload();
    });
  };
  const remove = () => {
    setConfirming(false);
    void run(async () => {
      await request("DELETE", dsUrl(path));
      go("streams");
    });
  };
  return (
    <section>
      <p>
        <a href={href("streams")}>Streams</a> /
      </p>
      <h2>{path}</h2>
      <ErrorNote error={state.error} />
      {s && (
        <>
          <p>
            {s.type} · next offset <code>{s.next}</code> · {s.bytes} bytes{s.closed ? " · closed" : ""}
            {s.ttl ? ` · TTL ${s.ttl} s` : ""}
            {s.expires ? ` · expires ${s.expires}` : ""}
          </p>
          <pre class="value" data-testid="stream-body">
            {s.body}
          </pre>
          {!s.closed && (
            <form onSubmit={append}>
              <label>
                Append
                <textarea
                  name="data"
                  rows={3}
                  required
                  value={data}
                  onInput={(e) => setData(e.currentTarget.value)}
                  placeholder={s.type.includes("json") ? '{"text": "hello"}' : "text"}
                />
              </label>
              <button type="submit" aria-busy={busy}>
                Append
              </button>
            </form>
          )}
          <button type="button" class="danger" onClick={() => setConfirming(true)}>
            Delete stream…
          </button>
        </>
      )}
      <ErrorNote error={error} />
      <Confirm
        open={confirming}
        title={`Delete stream ${path}?`}
        name={path}
        action="Delete stream"
        onCancel={() => setConfirming(false)}
        onConfirm={remove}
      />
    </section>
  );
}
