// API keys (admin): the list without secrets, create with grants (the secret is shown once),
// rotate, and revoke behind a confirmation. A key without the admin grant sees the broker's 403.
import { useState } from "preact/hooks";
import { api, enc, type Grant, type KeyListing } from "../api.ts";
import { formatTime } from "../format.ts";
import { Confirm, ErrorNote, useAction, useLoad } from "../ui.tsx";

const OPERATIONS = ["produce", "consume", "admin"];

function CreateKey({ onCreated }: { onCreated: (secret: string) => void }) {
  const [name, setName] = useState("");
  const [grants, setGrants] = useState<Grant[]>([{ operation: "consume", resource: "topic:" }]);
  const [run, error, busy] = useAction();
  const set = (i: number, g: Partial<Grant>) => setGrants(grants.map((old, j) => (i === j ? { ...old, ...g } : old)));
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const created = await api<{ secret: string }>("POST", "/v1/keys", {
        name: name.trim(),
        grants: grants.filter((g) => g.resource.trim() !== ""),
      });
      onCreated(created.secret);
      setName("");
    });
  };
  return (
    <details>
      {/* biome-ignore lint/a11y/useSemanticElements: Pico CSS draws a <summary role="button"> as the button that opens its <details> */}
      <summary role="button" class="outline">
        Create an API key
      </summary>
      <form onSubmit={submit} data-testid="create-key">
        <label>
          Name
          <input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="device-42" />
        </label>
        <fieldset>
          <legend>
            Grants{" "}
            <small>
              (resource: <code>topic:name</code>, <code>topic:prefix*</code>, <code>group:…</code>)
            </small>
          </legend>
          {grants.map((g, i) => (
            <div class="grant-row" key={i}>
              <select aria-label="operation" value={g.operation} onChange={(e) => set(i, { operation: e.currentTarget.value })}>
                {OPERATIONS.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
              <input aria-label="resource" value={g.resource} onInput={(e) => set(i, { resource: e.currentTarget.value })} />
              <button type="button" class="outline secondary small" onClick={() => setGrants(grants.filter((_, j) => j !== i))}>
                Remove
              </button>
            </div>
          ))}
          <button type="button" class="outline small" onClick={() => setGrants([...grants, { operation: "consume", resource: "group:" }])}>
            Add grant
          </button>
        </fieldset>
        <button type="submit" aria-busy={busy} disabled={busy}>
          Create key
        </button>
        <ErrorNote error={error} />
      </form>
    </details>
  );
}

export function KeysPage() {
  const keys = useLoad(() => api<{ keys: KeyListing[] }>("GET", "/v1/keys"), []);
  const [secret, setSecret] = useState<string>();
  const [revoking, setRevoking] = useState<KeyListing>();
  const [run, error] = useAction();
  const rotate = (k: KeyListing) =>
    run(async () => {
      const r = await api<{ secret: string }>("POST", `/v1/keys/${enc(k.id)}/rotate`, { grace_ms: 0 });
      setSecret(r.secret);
      keys.reload();
    });
  const revoke = (k: KeyListing) => {
    setRevoking(undefined);
    void run(async () => {
      await api("DELETE", `/v1/keys/${enc(k.id)}`);
      keys.reload();
    });
  };
  const list = (keys.data?.keys ?? []).slice().sort((a, b) => b.created_at - a.created_at);
  return (
    <section>
      <h2>API keys</h2>
      <CreateKey
        onCreated={(s) => {
          setSecret(s);
          keys.reload();
        }}
      />
      {secret && (
        <article data-testid="secret">
          <p>The new secret, shown only now. Copy it: the broker keeps only its hash.</p>
          <p class="secret">{secret}</p>
          <button type="button" class="outline small" onClick={() => setSecret(undefined)}>
            Done
          </button>
        </article>
      )}
      <ErrorNote error={keys.error ?? error} />
      <div class="table-wrap">
        <table class="striped" data-testid="keys">
          <thead>
            <tr>
              <th>Name</th>
              <th>Id</th>
              <th>Grants</th>
              <th>Created</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td>
                  <code>{k.id}</code>
                </td>
                <td>{k.grants.map((g) => `${g.operation} ${g.resource}`).join(", ")}</td>
                <td>{formatTime(k.created_at)}</td>
                <td>
                  {k.revoked_at ? `revoked ${formatTime(k.revoked_at)}` : k.rotated_at ? `rotated ${formatTime(k.rotated_at)}` : "active"}
                </td>
                <td>
                  {!k.revoked_at && (
                    <>
                      <button type="button" class="outline small" onClick={() => void rotate(k)}>
                        Rotate
                      </button>{" "}
                      <button type="button" class="danger small" onClick={() => setRevoking(k)}>
                        Revoke
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Confirm
        open={revoking !== undefined}
        title={`Revoke key ${revoking?.name ?? ""}?`}
        name={revoking?.name ?? ""}
        action="Revoke key"
        onCancel={() => setRevoking(undefined)}
        onConfirm={() => revoking && revoke(revoking)}
      >
        <p>Every request with this key is refused from now on, everywhere.</p>
      </Confirm>
    </section>
  );
}
