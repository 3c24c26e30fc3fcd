// Runs the standalone hosts' OutboundFetch (src/runtime/outbound-fetch.ts) under whichever runtime
// executes this file (node, bun or deno) against a real local HTTP server, and prints one JSON
// line with every case's outcome and the requests the server saw. outbound-fetch.test.ts
// runs it on each runtime and checks the answers.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { nodeOutboundFetch, type Resolve } from "../../src/runtime/outbound-fetch.ts";
import { fetchOutbound, type OutboundResult } from "../../src/core/outbound/outbound-fetch.ts";

const seen: Array<{ path: string; host: string | undefined }> = [];
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  seen.push({ path: req.url ?? "", host: req.headers.host });
  req.resume();
  if (req.url === "/redirect") {
    res.writeHead(302, { location: `http://127.0.0.1:${port}/target` });
    return res.end();
  }
  if (req.url === "/redirect-metadata") {
    res.writeHead(307, { location: "http://169.254.169.254/latest/meta-data/" });
    return res.end();
  }
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ done: true }));
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const port = (server.address() as AddressInfo).port;

/** A resolver answering fixed addresses for every name, counting its calls. */
function fixed(addresses: string[]): Resolve {
  return async () => addresses;
}

const STRICT = { allowLoopback: false };
const DEV = { allowLoopback: true };
const post = { method: "POST", headers: { "content-type": "application/json" }, body: "{}" };
const summary = (r: OutboundResult) =>
  r.ok
    ? { ok: true, status: r.response.status, body: new TextDecoder().decode(r.response.body) }
    : { ok: false, code: r.code, reason: r.reason };

const cases: Array<[string, string, Resolve | undefined, { allowLoopback: boolean }]> = [
  ["literal loopback", `http://127.0.0.1:${port}/refused`, undefined, STRICT],
  ["localhost.", `http://localhost.:${port}/refused`, undefined, STRICT],
  ["*.localhost", `http://foo.localhost:${port}/refused`, undefined, STRICT],
  ["mapped", `http://[::ffff:127.0.0.1]:${port}/refused`, undefined, STRICT],
  ["hex", `http://0x7f.1:${port}/refused`, undefined, STRICT],
  ["decimal", `http://2130706433:${port}/refused`, undefined, STRICT],
  ["name resolving to loopback", `https://hooks.example.com:${port}/refused`, fixed(["127.0.0.1"]), STRICT],
  ["name resolving to private", `https://hooks.example.com:${port}/refused`, fixed(["10.1.2.3"]), STRICT],
  [
    "name resolving to public and private",
    `https://hooks.example.com:${port}/refused`,
    fixed(["93.184.215.14", "::ffff:169.254.169.254"]),
    STRICT,
  ],
  ["dev: private stays refused", `http://hooks.localhost:${port}/refused`, fixed(["192.168.1.1"]), DEV],
  ["dev: loopback literal", `http://127.0.0.1:${port}/ok`, undefined, DEV],
  ["dev: name connects to the checked address", `http://hook.localhost:${port}/named`, fixed(["127.0.0.1"]), DEV],
  ["dev: next checked address when one refuses", `http://hook.localhost:${port}/second`, fixed(["::1", "127.0.0.1"]), DEV],
  ["dev: redirect", `http://127.0.0.1:${port}/redirect`, undefined, DEV],
  ["dev: redirect to metadata", `http://127.0.0.1:${port}/redirect-metadata`, undefined, DEV],
];
const results: Record<string, unknown> = {};
for (const [name, url, resolve, policy] of cases) {
  results[name] = summary(await nodeOutboundFetch(resolve)(url, post, policy));
}
// The WHATWG-fetch implementation (what Workers use) over this runtime's own fetch.
const viaFetch = fetchOutbound((input, init) => fetch(input, init));
results["fetch: literal loopback"] = summary(await viaFetch(`http://127.0.0.1:${port}/refused`, post, STRICT));
results["fetch: redirect"] = summary(await viaFetch(`http://127.0.0.1:${port}/redirect`, post, DEV));
results["fetch: ok"] = summary(await viaFetch(`http://127.0.0.1:${port}/fetched`, post, DEV));

// TLS (when the test made a certificate for hook.example, trusted through the runtime's extra-CA
// setting): the socket goes to the checked 127.0.0.1 while SNI and the certificate check use the
// URL's name, so the certificate for hook.example verifies and one for any other name does not.
const tlsDir = process.env.PROBE_TLS_DIR;
if (tlsDir) {
  const { readFileSync } = await import("node:fs");
  const { createServer: createTlsServer } = await import("node:https");
  const tlsServer = createTlsServer({ key: readFileSync(`${tlsDir}/key.pem`), cert: readFileSync(`${tlsDir}/cert.pem`) }, (req, res) => {
    seen.push({ path: `tls:${req.url}`, host: req.headers.host });
    req.resume();
    res.writeHead(200).end("{}");
  });
  await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
  const tlsPort = (tlsServer.address() as AddressInfo).port;
  results["tls: name verified on the checked address"] = summary(
    await nodeOutboundFetch(fixed(["127.0.0.1"]))(`https://hook.example:${tlsPort}/tls`, post, DEV),
  );
  results["tls: other name refused by the certificate"] = summary(
    await nodeOutboundFetch(fixed(["127.0.0.1"]))(`https://other.example:${tlsPort}/tls-other`, post, DEV),
  );
  tlsServer.close();
}
server.close();
console.log(JSON.stringify({ results, seen }));
