// Topics: the list the token may see, and a form to create one (admin grant on the name).
import { useState } from "preact/hooks";
import { api, type TopicDescription, type TopicSummary } from "../api.ts";
import { go, href } from "../router.ts";
import { CreateForm, ErrorNote, useAction, useLoad } from "../ui.tsx";

function CreateTopic({ onCreated }: { onCreated: (name: string) => void }) {
  const [name, setName] = useState("");
  const [partitions, setPartitions] = useState("3");
  const [retention, setRetention] = useState("");
  const [run, error, busy] = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const config: Record<string, number> = {};
      if (retention.trim() !== "") config["retention.ms"] = Number(retention);
      const created = await api<TopicDescription>("POST", "/v1/topics", { name: name.trim(), partitions: Number(partitions), config });
      onCreated(created.name);
    });
  };
  return (
    <CreateForm label="Create a topic" testid="create-topic" onSubmit={submit} busy={busy} error={error}>
      <label>
        Name
        <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="orders" />
      </label>
      <label>
        Partitions
        <input name="partitions" type="number" min="1" required value={partitions} onInput={(e) => setPartitions(e.currentTarget.value)} />
      </label>
      <label>
        retention.ms
        <input
          name="retention"
          type="number"
          min="-1"
          value={retention}
          onInput={(e) => setRetention(e.currentTarget.value)}
          placeholder="default (7 days)"
        />
      </label>
    </CreateForm>
  );
}

export function TopicsPage() {
  const topics = useLoad(() => api<{ topics: TopicSummary[] }>("GET", "/v1/topics"), []);
  const list = (topics.data?.topics ?? []).slice().sort((a, b) => a.name.localeCompare(b.name));
  return (
    <section>
      <h2>Topics</h2>
      <CreateTopic onCreated={(name) => go("topics", name)} />
      <ErrorNote error={topics.error} />
      <div class="table-wrap">
        <table class="striped" data-testid="topics">
          <thead>
            <tr>
              <th>Topic</th>
              <th class="num">Partitions</th>
            </tr>
          </thead>
          <tbody>
            {list.map((t) => (
              <tr key={t.name}>
                <td>
                  <a href={href("topics", t.name)}>{t.name}</a>
                </td>
                <td class="num">{t.partitions}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!topics.loading && list.length === 0 && !topics.error && <p>No topics visible to this token.</p>}
      <button type="button" class="outline secondary small" onClick={topics.reload}>
        Refresh
      </button>
    </section>
  );
}
