// One topic: partitions (offsets, bytes, oldest record), config (edit), delete, and the tabs for
// the record browser, the produce form and the live tail.
import { useState } from "preact/hooks";
import { api, enc, type TopicDescription } from "../api.ts";
import { formatBytes, formatDuration, formatTime } from "../format.ts";
import { go, href } from "../router.ts";
import { Confirm, ErrorNote, useAction, useLoad } from "../ui.tsx";
import { ProduceForm } from "./produce.tsx";
import { RecordBrowser } from "./records.tsx";
import { LiveTail } from "./tail.tsx";

const TABS: Array<[string, string]> = [
  ["overview", "Overview"],
  ["records", "Records"],
  ["produce", "Produce"],
  ["tail", "Live tail"],
];

function ConfigEditor({ topic, onSaved }: { topic: TopicDescription; onSaved: (t: TopicDescription) => void }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [run, error, busy] = useAction();
  const entries = Object.entries(topic.config).sort(([a], [b]) => a.localeCompare(b));
  const start = () => {
    setDraft(Object.fromEntries(entries.map(([k, v]) => [k, String(v)])));
    setEditing(true);
  };
  const save = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const changed: Record<string, string | number> = {};
      for (const [k, v] of Object.entries(draft)) {
        if (String(topic.config[k]) === v) continue;
        changed[k] = /^-?\d+$/.test(v) ? Number(v) : v;
      }
      if (Object.keys(changed).length === 0) return setEditing(false);
      onSaved(await api<TopicDescription>("PATCH", `/v1/topics/${enc(topic.name)}`, { config: changed }));
      setEditing(false);
    });
  };
  return (
    <section>
      <h3>Config</h3>
      {!editing ? (
        <>
          <div class="table-wrap">
            <table data-testid="config">
              <tbody>
                {entries.map(([k, v]) => (
                  <tr key={k}>
                    <th scope="row">
                      <code>{k}</code>
                    </th>
                    <td>
                      {String(v)}
                      {k.endsWith(".ms") && typeof v === "number" ? ` (${formatDuration(v)})` : ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <button type="button" class="outline small" onClick={start}>
            Edit config
          </button>
        </>
      ) : (
        <form onSubmit={save} data-testid="config-form">
          {entries.map(([k]) => (
            <label key={k}>
              <code>{k}</code>
              <input name={k} value={draft[k] ?? ""} onInput={(e) => setDraft({ ...draft, [k]: e.currentTarget.value })} />
            </label>
          ))}
          <div class="row">
            <button type="submit" class="fit" aria-busy={busy}>
              Save
            </button>
            <button type="button" class="fit secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <ErrorNote error={error} />
    </section>
  );
}

function Overview({ topic, onChanged }: { topic: TopicDescription; onChanged: (t: TopicDescription) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [run, error] = useAction();
  const total = topic.partitions.reduce((n, p) => n + p.bytes, 0);
  const remove = () => {
    setConfirming(false);
    void run(async () => {
      await api("DELETE", `/v1/topics/${enc(topic.name)}`);
      go("topics");
    });
  };
  return (
    <>
      <section>
        <h3>Partitions</h3>
        <div class="table-wrap">
          <table class="striped" data-testid="partitions">
            <thead>
              <tr>
                <th class="num">Partition</th>
                <th class="num">Start offset</th>
                <th class="num">End offset</th>
                <th class="num">Records</th>
                <th class="num">Bytes</th>
                <th>Oldest record</th>
              </tr>
            </thead>
            <tbody>
              {topic.partitions.map((p) => (
                <tr key={p.partition}>
                  <td class="num">
                    <a href={href("topics", topic.name, "records", p.partition)}>{p.partition}</a>
                  </td>
                  <td class="num">{p.start_offset}</td>
                  <td class="num">{p.end_offset}</td>
                  <td class="num">{p.end_offset - p.start_offset}</td>
                  <td class="num">{formatBytes(p.bytes)}</td>
                  <td>{formatTime(p.oldest_timestamp)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th colSpan={4}>Total</th>
                <th class="num">{formatBytes(total)}</th>
                <th />
              </tr>
            </tfoot>
          </table>
        </div>
      </section>
      <ConfigEditor topic={topic} onSaved={onChanged} />
      <section>
        <h3>Delete</h3>
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Delete topic…
        </button>
        <ErrorNote error={error} />
        <Confirm
          open={confirming}
          title={`Delete topic ${topic.name}?`}
          name={topic.name}
          action="Delete topic"
          onCancel={() => setConfirming(false)}
          onConfirm={remove}
        >
          <p>Every record in its {topic.partitions.length} partitions is deleted. This cannot be undone.</p>
        </Confirm>
      </section>
    </>
  );
}

export function TopicPage({ name, tab, partition }: { name: string; tab: string; partition?: string }) {
  const loaded = useLoad(() => api<TopicDescription>("GET", `/v1/topics/${enc(name)}`), [name, tab]);
  const [override, setOverride] = useState<TopicDescription>();
  const topic = override?.name === name ? override : loaded.data;
  return (
    <section>
      <p>
        <a href={href("topics")}>Topics</a> /
      </p>
      <h2>{name}</h2>
      <nav class="tabs">
        {TABS.map(([id, label]) => (
          <a key={id} href={href("topics", name, id)} aria-current={tab === id ? "page" : undefined}>
            {label}
          </a>
        ))}
        <button
          type="button"
          class="outline secondary small"
          onClick={() => {
            setOverride(undefined);
            loaded.reload();
          }}
        >
          Refresh
        </button>
      </nav>
      <ErrorNote error={loaded.error} />
      {topic && tab === "overview" && <Overview topic={topic} onChanged={setOverride} />}
      {topic && tab === "records" && <RecordBrowser topic={topic} initialPartition={partition === undefined ? 0 : Number(partition)} />}
      {topic && tab === "produce" && <ProduceForm topic={topic} />}
      {topic && tab === "tail" && <LiveTail topic={topic} />}
    </section>
  );
}
