// `npm run test:package`: the package as a user gets it. `npm pack` (prepack + prepare build the
// WASM, the SDK, the CLI and the server into the tarball), then for each Node — the machine's
// (20) and the repository's devDependency (22), or PACKAGE_TEST_NODES="path:path" — an empty
// project runs `npm install ./edgebroker-x.y.z.tgz` with that Node first on PATH, with no build
// step and no devDependencies, and then:
//   - `npx edgebroker serve` starts the standalone server on every one of them (node:sqlite where
//     the Node has it, ≥ 22.13; SQLite in WebAssembly on Node 20), and the server says which;
//   - `import { Admin, Producer, Consumer } from "edgebroker/client"` creates a topic, produces and
//     consumes against the server that Node runs;
//   - `npx edgebroker --version`, `topic list --json` and `consume` work against it;
//   - SIGTERM stops each server gracefully.
// Plain .mjs so that Node 20, which cannot run .ts files, runs it too.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "..");
const work = mkdtempSync(join(tmpdir(), "edgebroker-package-"));
const TOKEN = "package-test-token";
let failures = 0;

function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
}

/** PATH without this repository's node_modules/.bin, so nothing resolves to the repository. */
const basePath = (process.env.PATH ?? "").split(delimiter).filter((p) => !p.startsWith(join(ROOT, "node_modules")));

function which(name) {
  for (const dir of basePath) {
    try {
      if (readdirSync(dir).includes(name)) return join(dir, name);
    } catch {
      // not a directory
    }
  }
  throw new Error(`${name} not found on PATH`);
}

const nodes = process.env.PACKAGE_TEST_NODES
  ? process.env.PACKAGE_TEST_NODES.split(delimiter)
  : [which("node"), join(ROOT, "node_modules", "node", "bin", "node")];

/** An environment whose `node` (and so npm's, npx's and the bin's) is the given binary. */
function envFor(node) {
  const dir = mkdtempSync(join(work, "bin-"));
  symlinkSync(node, join(dir, "node"));
  const env = { ...process.env, PATH: [dir, ...basePath].join(delimiter), NO_COLOR: "1", npm_config_update_notifier: "false" };
  for (const key of Object.keys(env)) if (key.startsWith("npm_") && key !== "npm_config_update_notifier") delete env[key];
  return env;
}

function run(cmd, args, opts) {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...opts });
}

function freePort() {
  return new Promise((done) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => done(port));
    });
  });
}

/** The processes below `pid`, with their command lines. */
function descendants(pid) {
  const rows = run("ps", ["-eo", "pid=,ppid=,args="])
    .split("\n")
    .map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/))
    .filter(Boolean);
  const out = [];
  const walk = (parent) => {
    for (const [, p, pp, args] of rows) {
      if (Number(pp) === parent) {
        out.push({ pid: Number(p), args });
        walk(Number(p));
      }
    }
  };
  walk(pid);
  return out;
}

/** Runs `npx edgebroker serve`; resolves when it listens (or exits), with a stop function. */
function serve(project, env, port) {
  const child = spawn(
    "npx",
    ["--no-install", "edgebroker", "serve", "--port", String(port), "--host", "127.0.0.1", "--data-dir", join(project, "data")],
    {
      cwd: project,
      env: { ...env, EDGEBROKER_ADMIN_TOKEN: TOKEN },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((done) => child.once("exit", (code) => done(code)));
  return new Promise((done) => {
    const poll = setInterval(() => {
      if (output.includes("listening on")) finish(true);
    }, 100);
    const timer = setTimeout(() => finish(false), 60_000);
    exited.then(() => finish(false));
    let finished = false;
    function finish(listening) {
      if (finished) return;
      finished = true;
      clearInterval(poll);
      clearTimeout(timer);
      done({
        listening,
        output: () => output,
        exited,
        // SIGTERM to the `edgebroker` process npx started (npx itself does not pass signals on),
        // which forwards it to the server: the graceful shutdown a user's Ctrl-C or a supervisor gets.
        stop: () => {
          const cli = descendants(child.pid).find((p) => /(\.bin\/edgebroker|bin\/edgebroker\.js) serve/.test(p.args));
          (cli ? () => process.kill(cli.pid, "SIGTERM") : () => child.kill("SIGTERM"))();
          return exited;
        },
      });
    }
  });
}

const SDK_SCRIPT = `
import { Admin, Consumer, Producer } from "edgebroker/client";
const options = { url: process.env.EDGEBROKER_URL, token: process.env.EDGEBROKER_TOKEN };
const topic = process.argv[2];
await new Admin(options).createTopic({ name: topic, partitions: 1 });
const producer = new Producer(options);
await producer.send({ topic, key: "k", value: { hello: topic } });
await producer.close();
const consumer = new Consumer({ ...options, topics: [topic], autoOffsetReset: "earliest" });
for await (const record of consumer) {
  console.log(JSON.stringify(record.value));
  await consumer.close();
}
`;

function nodeHasSqlite(version) {
  const [major, minor] = version.replace(/^v/, "").split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 13);
}

const servers = [];
try {
  console.log(`npm pack → ${work}`);
  run("npm", ["pack", "--loglevel=error", "--pack-destination", work], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const tarball = join(work, `edgebroker-${version}.tgz`);
  const listing = run("tar", ["tzf", tarball]);
  for (const file of [
    "package/build/edgebroker.wasm",
    "package/dist/client/index.js",
    "package/dist/cli/index.js",
    "package/dist/runtime/serve-node.js",
    "package/build/console/index.html",
  ]) {
    check(listing.split("\n").includes(file), `tarball holds ${file.slice("package/".length)}`);
  }

  // Two entries can be the same Node (a PATH that already starts with another checkout's
  // node_modules/.bin, say): each version is installed into once, and the run says so.
  const seen = new Set();
  const projects = nodes.flatMap((node) => {
    const env = envFor(node);
    const nodeVersion = run("node", ["--version"], { env }).trim();
    if (seen.has(nodeVersion)) {
      console.log(`note ${node} is node ${nodeVersion} again: tested once`);
      return [];
    }
    seen.add(nodeVersion);
    const project = join(work, `project-${nodeVersion}`);
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    writeFileSync(join(project, "sdk.mjs"), SDK_SCRIPT);
    run("npm", ["install", "--loglevel=error", "--no-audit", "--no-fund", tarball], {
      cwd: project,
      env,
      stdio: ["ignore", "ignore", "inherit"],
    });
    check(true, `node ${nodeVersion}: npm install ./edgebroker-${version}.tgz into an empty project`);
    return [{ env, nodeVersion, project }];
  });

  for (const p of projects) {
    const port = await freePort();
    const s = await serve(p.project, p.env, port);
    const sqlite = nodeHasSqlite(p.nodeVersion) ? "node:sqlite" : "SQLite in WebAssembly";
    check(
      s.listening && s.output().includes(`${p.nodeVersion}, ${sqlite}) listening on`),
      `node ${p.nodeVersion}: npx edgebroker serve listens, on ${sqlite}${s.listening ? "" : `\n${s.output()}`}`,
    );
    if (!s.listening) throw new Error(`edgebroker serve did not start on node ${p.nodeVersion}`);
    p.server = { ...s, url: `http://127.0.0.1:${port}` };
    servers.push(p.server);
  }
  // The web console ships prebuilt (build/console/) and the installed server serves it.
  const consolePage = await fetch(`${projects[0].server.url}/console/`);
  check(
    consolePage.status === 200 && (await consolePage.text()).includes("edgebroker console"),
    `npx edgebroker serve serves the web console (${consolePage.status})`,
  );

  for (const p of projects) {
    const server = p.server;
    const env = { ...p.env, EDGEBROKER_URL: server.url, EDGEBROKER_TOKEN: TOKEN };
    const topic = `from-node-${p.nodeVersion.replace(/\W/g, "-")}`;
    const consumed = run("node", ["sdk.mjs", topic], { cwd: p.project, env, timeout: 60_000 }).trim();
    check(
      consumed === JSON.stringify({ hello: topic }),
      `node ${p.nodeVersion}: edgebroker/client creates, produces and consumes through that server (${consumed})`,
    );
    const cliVersion = run("npx", ["--no-install", "edgebroker", "--version"], { cwd: p.project, env }).trim();
    check(cliVersion === version, `node ${p.nodeVersion}: npx edgebroker --version → ${cliVersion}`);
    const topics = JSON.parse(
      run("npx", ["--no-install", "edgebroker", "--url", server.url, "--token", TOKEN, "--json", "topic", "list"], { cwd: p.project, env }),
    );
    check(JSON.stringify(topics).includes(topic), `node ${p.nodeVersion}: npx edgebroker topic list --json lists ${topic}`);
    const lines = run(
      "npx",
      ["--no-install", "edgebroker", "--url", server.url, "--token", TOKEN, "consume", topic, "--from-beginning", "-n", "1"],
      { cwd: p.project, env, timeout: 60_000 },
    );
    check(lines.includes(topic), `node ${p.nodeVersion}: npx edgebroker consume prints the record`);
  }
  // SIGTERM to npx reaches the CLI, which forwards it to the server: a graceful shutdown.
  for (const p of projects) {
    const server = servers.splice(servers.indexOf(p.server), 1)[0];
    await server.stop();
    const stopped = server.output().includes("stopped, databases closed");
    check(stopped, `node ${p.nodeVersion}: npx edgebroker serve shuts down gracefully on SIGTERM${stopped ? "" : `\n${server.output()}`}`);
  }
} catch (err) {
  console.error(err.stderr ?? "", err);
  failures++;
} finally {
  for (const s of servers) await s.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(failures === 0 ? "package: all checks passed" : `package: ${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
