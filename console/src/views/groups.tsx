// Consumer groups: the list, and one group's members, assignment, committed offsets and lag per
// partition, refreshed every 2 s while the page is open, with the lag drawn over time.
import { useState } from "preact/hooks";
import { api, enc, type GroupDescription } from "../api.ts";
import { formatTime } from "../format.ts";
import { href } from "../router.ts";
import { ErrorNote, useInterval, useLoad } from "../ui.tsx";
import { LagChart, type LagSample } from "./lag-chart.tsx";

const REFRESH_MS = 2_000;
const HISTORY = 300;

export function GroupsPage() {
  const groups = useLoad(() => api<{ groups: Array<{ group: string; created_at: number }> }>("GET", "/v1/groups"), []);
  const list = (groups.data?.groups ?? []).slice().sort((a, b) => a.group.localeCompare(b.group));
  return (
    <section>
      <h2>Consumer groups</h2>
      <ErrorNote error={groups.error} />
      <div class="table-wrap">
        <table class="striped" data-testid="groups">
          <thead>
            <tr>
              <th>Group</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {list.map((g) => (
              <tr key={g.group}>
                <td>
                  <a href={href("groups", g.group)}>{g.group}</a>
                </td>
                <td>{formatTime(g.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!groups.loading && list.length === 0 && !groups.error && <p>No consumer groups visible to this token.</p>}
      <button type="button" class="outline secondary small" onClick={groups.reload}>
        Refresh
      </button>
    </section>
  );
}

export function GroupPage({ name }: { name: string }) {
  const [group, setGroup] = useState<GroupDescription>();
  const [error, setError] = useState<unknown>();
  const [samples, setSamples] = useState<LagSample[]>([]);
  const refresh = () =>
    api<GroupDescription>("GET", `/v1/groups/${enc(name)}`).then((g) => {
      setGroup(g);
      setError(undefined);
      const lag: Record<string, number | null> = {};
      for (const o of g.offsets) lag[`${o.topic}/${o.partition}`] = o.lag;
      setSamples((old) => [...old, { time: Date.now() / 1000, lag }].slice(-HISTORY));
    }, setError);
  useLoad(refresh, [name]);
  useInterval(() => void refresh(), REFRESH_MS);
  const totalLag = group?.offsets.reduce((n, o) => n + (o.lag ?? 0), 0);
  return (
    <section>
      <p>
        <a href={href("groups")}>Groups</a> /
      </p>
      <h2>{name}</h2>
      <ErrorNote error={error} />
      {group && (
        <>
          <p>
            State <strong data-testid="group-state">{group.state}</strong> · epoch {group.group_epoch} · assignor {group.assignor} · total
            lag <strong data-testid="total-lag">{totalLag}</strong>
          </p>
          <h3>Members</h3>
          <div class="table-wrap">
            <table class="striped" data-testid="members">
              <thead>
                <tr>
                  <th>Member</th>
                  <th class="num">Epoch</th>
                  <th>Assignment</th>
                  <th>Last heartbeat</th>
                </tr>
              </thead>
              <tbody>
                {group.members.map((m) => (
                  <tr key={m.member_id}>
                    <td>
                      <code>{m.member_id}</code>
                    </td>
                    <td class="num">{m.member_epoch}</td>
                    <td>{m.assignment.map((a) => `${a.topic} [${a.partitions.join(", ")}]`).join("; ") || "—"}</td>
                    <td>{formatTime(m.last_heartbeat)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {group.members.length === 0 && <p>No active members.</p>}
          <h3>Offsets and lag</h3>
          <div class="table-wrap">
            <table class="striped" data-testid="offsets">
              <thead>
                <tr>
                  <th>Topic</th>
                  <th class="num">Partition</th>
                  <th class="num">Committed</th>
                  <th class="num">End offset</th>
                  <th class="num">Lag</th>
                </tr>
              </thead>
              <tbody>
                {group.offsets.map((o) => (
                  <tr key={`${o.topic}/${o.partition}`} data-partition={`${o.topic}/${o.partition}`}>
                    <td>
                      <a href={href("topics", o.topic)}>{o.topic}</a>
                    </td>
                    <td class="num">{o.partition}</td>
                    <td class="num">{o.offset}</td>
                    <td class="num">{o.high_watermark ?? "—"}</td>
                    <td class="num" data-testid="lag">
                      {o.lag ?? "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3>Lag over time</h3>
          <LagChart samples={samples} />
        </>
      )}
    </section>
  );
}
