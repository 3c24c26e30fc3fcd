// EDGEBROKER_PUBLIC_URL: the base URL other parties use to reach this broker. The broker puts it
// in URLs it hands out (a webhook's callback_url, the signing keys' jwks_url) instead of the
// request's Host header, which the client chooses: a request with `Host: evil.example` must not
// send a receiver's callback (and its token) to evil.example.
export const PUBLIC_URL_VAR = "EDGEBROKER_PUBLIC_URL";

/** The normalised base URL (origin plus optional path, no trailing slash); throws on a bad value. */
export function parsePublicUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`${PUBLIC_URL_VAR} must be an absolute http(s) URL such as https://broker.example.com, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new Error(`${PUBLIC_URL_VAR} must use http or https, got ${JSON.stringify(raw)}`);
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new Error(`${PUBLIC_URL_VAR} must not carry a query, fragment or credentials, got ${JSON.stringify(raw)}`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}
