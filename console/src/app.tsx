// The shell: sign-in when there is no token, otherwise the navigation and the routed page.
import { useEffect, useState } from "preact/hooks";
import { api, setUnauthorizedHandler } from "./api.ts";
import { href, useRoute } from "./router.ts";
import { clearToken, loadToken, saveToken } from "./session.ts";
import { ErrorNote } from "./ui.tsx";
import { GroupPage, GroupsPage } from "./views/groups.tsx";
import { KeysPage } from "./views/keys.tsx";
import { StreamPage, StreamsPage } from "./views/streams.tsx";
import { TopicPage } from "./views/topic.tsx";
import { TopicsPage } from "./views/topics.tsx";

function SignIn({ onSignedIn, reason }: { onSignedIn: () => void; reason?: string }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    saveToken(token.trim());
    try {
      // Any authenticated call proves the token; listing topics needs no particular grant.
      await api("GET", "/v1/topics");
      onSignedIn();
    } catch (err) {
      clearToken();
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="container narrow">
      <article>
        <header>
          <h1>edgebroker</h1>
        </header>
        {reason && <p class="notice">{reason}</p>}
        <form onSubmit={submit}>
          <label>
            API key or admin token
            <input
              type="password"
              name="token"
              autocomplete="off"
              required
              value={token}
              onInput={(e) => setToken(e.currentTarget.value)}
              placeholder="ebk_… or the admin token"
            />
            <small>
              Kept in this tab's session storage only, sent as <code>Authorization: Bearer</code>.
            </small>
          </label>
          <button type="submit" aria-busy={busy} disabled={busy || token.trim() === ""}>
            Sign in
          </button>
        </form>
        <ErrorNote error={error} />
      </article>
    </main>
  );
}

const SECTIONS: Array<[string, string]> = [
  ["topics", "Topics"],
  ["groups", "Groups"],
  ["keys", "API keys"],
  ["streams", "Streams"],
];

function Page({ route }: { route: string[] }) {
  const [section = "topics", name, ...rest] = route;
  switch (section) {
    case "topics":
      return name ? <TopicPage name={name} tab={rest[0] ?? "overview"} partition={rest[1]} /> : <TopicsPage />;
    case "groups":
      return name ? <GroupPage name={name} /> : <GroupsPage />;
    case "keys":
      return <KeysPage />;
    case "streams":
      return name ? <StreamPage path={[name, ...rest].join("/")} /> : <StreamsPage />;
    default:
      return (
        <p>
          No such page. <a href={href("topics")}>Topics</a>
        </p>
      );
  }
}

export function App() {
  const [signedIn, setSignedIn] = useState(loadToken() !== null);
  const [reason, setReason] = useState<string>();
  const route = useRoute();
  useEffect(() => {
    setUnauthorizedHandler(() => {
      setReason("The broker no longer accepts this token (401). Sign in again.");
      setSignedIn(false);
    });
  }, []);
  if (!signedIn)
    return (
      <SignIn
        reason={reason}
        onSignedIn={() => {
          setReason(undefined);
          setSignedIn(true);
        }}
      />
    );
  const section = route[0] ?? "topics";
  const signOut = () => {
    clearToken();
    location.hash = "#/topics";
    setSignedIn(false);
  };
  return (
    <>
      <header class="container-fluid topbar">
        <nav>
          <ul>
            <li>
              <a href={href("topics")} class="brand">
                <strong>edgebroker</strong>
              </a>
            </li>
          </ul>
          <ul class="sections">
            {SECTIONS.map(([id, label]) => (
              <li key={id}>
                <a href={href(id)} aria-current={section === id ? "page" : undefined}>
                  {label}
                </a>
              </li>
            ))}
            <li>
              <button type="button" class="outline secondary small" onClick={signOut}>
                Sign out
              </button>
            </li>
          </ul>
        </nav>
      </header>
      <main class="container">
        <Page route={route} />
      </main>
    </>
  );
}
