// The signed-in token lives in sessionStorage only: gone when the tab closes, never in a URL,
// never in localStorage, never logged. The broker decides what it may do; the console only asks.
const KEY = "edgebroker.token";

export function loadToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}
