// Stream-Cursor (PROTOCOL.md 10.1): live answers carry a cursor that clients echo, so a CDN can
// collapse the long-polls of many clients into one request per interval. The cursor is the number
// of 20-second intervals since a fixed epoch; a client echoing the current or a later interval
// gets a later one, so its next request never hits a response cached for the previous one.
const CURSOR_EPOCH_MS = Date.UTC(2024, 9, 9);
const INTERVAL_MS = 20_000;

export function responseCursor(clientCursor: string | undefined, now: number): string {
  const current = Math.floor((now - CURSOR_EPOCH_MS) / INTERVAL_MS);
  const echoed = clientCursor !== undefined && /^\d{1,15}$/.test(clientCursor) ? Number(clientCursor) : -1;
  return String(echoed >= current ? echoed + 1 : current);
}
