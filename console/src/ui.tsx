// Small building blocks over Pico CSS's semantic elements: an error note that shows the broker's
// own message (a 403 says which grant is missing), a loader hook, a confirmation dialog, and the
// partition picker the record views share.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api.ts";

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as Error;
  const detail = e instanceof ApiError ? `${e.status} ${e.code}` : "error";
  return (
    <p class="error" role="alert" data-testid="error">
      <strong>{detail}</strong>: {e.message}
    </p>
  );
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change (and on reload()); keeps the last good data while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (e) => {
        if (!live) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { data, error, loading, reload: useCallback(() => setTick((t) => t + 1), []) };
}

/** Runs an action, keeping its error to show beside the button that started it. */
export function useAction(): [(fn: () => Promise<unknown>) => Promise<void>, unknown, boolean, () => void] {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }, []);
  return [run, error, busy, () => setError(undefined)];
}

/**
 * A destructive action behind a modal that asks to type the name of what goes: `onConfirm` runs
 * only once the typed text matches.
 */
export function Confirm(props: {
  open: boolean;
  title: string;
  name: string;
  action: string;
  onCancel: () => void;
  onConfirm: () => void;
  children?: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState("");
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) {
      setTyped("");
      d.showModal();
    } else if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} onClose={props.onCancel} data-testid="confirm">
      <article>
        <h3>{props.title}</h3>
        {props.children}
        <label>
          Type <code>{props.name}</code> to confirm
          <input value={typed} onInput={(e) => setTyped(e.currentTarget.value)} aria-label="confirmation" autocomplete="off" />
        </label>
        <footer>
          <button type="button" class="secondary" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="button" class="danger" disabled={typed !== props.name} onClick={props.onConfirm}>
            {props.action}
          </button>
        </footer>
      </article>
    </dialog>
  );
}

/** Refreshes every `ms` while the page is visible. */
export function useInterval(fn: () => void, ms: number, enabled = true): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    if (!enabled) return;
    const t = setInterval(() => document.visibilityState === "visible" && saved.current(), ms);
    return () => clearInterval(t);
  }, [ms, enabled]);
}

/**
 * The partition picker of the records, tail and produce views: one option per partition, and with
 * `byKey` a first "by key" option (value "") for the broker's key partitioner.
 */
export function PartitionSelect(props: {
  partitions: Array<{ partition: number }>;
  value: number | string;
  onChange: (value: string) => void;
  byKey?: boolean;
}) {
  return (
    <label class="fit">
      Partition
      <select name="partition" aria-label="Partition" value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        {props.byKey && <option value="">by key</option>}
        {props.partitions.map((p) => (
          <option key={p.partition} value={p.partition}>
            {p.partition}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A "Create …" button that opens its form (a <details>), with the Create button and the error under the fields. */
export function CreateForm(props: {
  label: string;
  testid: string;
  onSubmit: (e: Event) => void;
  busy: boolean;
  error: unknown;
  children: ComponentChildren;
}) {
  return (
    <details>
      {/* biome-ignore lint/a11y/useSemanticElements: Pico CSS draws a <summary role="button"> as the button that opens its <details> */}
      <summary role="button" class="outline">
        {props.label}
      </summary>
      <form onSubmit={props.onSubmit} data-testid={props.testid}>
        <div class="row">{props.children}</div>
        <button type="submit" aria-busy={props.busy} disabled={props.busy}>
          Create
        </button>
        <ErrorNote error={props.error} />
      </form>
    </details>
  );
}
