// Hash routes (#/topics/orders): the server serves one index.html, and a route never leaves the
// page, so nothing (no token, no record) ends up in a server log or a Referer.
import { useEffect, useState } from "preact/hooks";

export function currentRoute(): string[] {
  return location.hash
    .replace(/^#\/?/, "")
    .split("/")
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
}

export function useRoute(): string[] {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}

export function href(...segments: Array<string | number>): string {
  return `#/${segments.map((s) => encodeURIComponent(String(s))).join("/")}`;
}

export function go(...segments: Array<string | number>): void {
  location.hash = href(...segments);
}
