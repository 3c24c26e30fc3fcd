// Small building blocks over Pico CSS's semantic elements: an error note that shows the broker's
// own message (a 403 says which grant is missing), a loader hook, and a confirmation dialog.
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
