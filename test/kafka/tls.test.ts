// The Kafka listener with TLS (EDGEBROKER_KAFKA_TLS_CERT / _KEY) on the Node host: kcat and
// kafkajs connect with SASL_SSL, verifying a certificate made for 127.0.0.1 in this test.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ADMIN, http, run, startKafkaHost, type KafkaHost } from "./support.ts";

let dir: string;
let host: KafkaHost;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "edgebroker-kafka-tls-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
  ], { stdio: "ignore" });
  host = await startKafkaHost("node", { EDGEBROKER_KAFKA_TLS_CERT: join(dir, "cert.pem"), EDGEBROKER_KAFKA_TLS_KEY: join(dir, "key.pem") });
});
afterAll(async () => {
  await host?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it("kcat and kafkajs speak SASL_SSL to the TLS listener", async () => {
  expect((await http(host.http, host.token, "POST", "/v1/topics", { name: "tls", partitions: 1 })).status).toBe(201);
  const tls = ["-b", host.bootstrap, "-X", "security.protocol=SASL_SSL", "-X", `ssl.ca.location=${join(dir, "cert.pem")}`,
    "-X", "sasl.mechanism=PLAIN", "-X", `sasl.username=${ADMIN.user}`, "-X", `sasl.password=${ADMIN.password}`];
  const produced = await run("kcat", [...tls, "-P", "-t", "tls"], "over tls\n");
  expect(produced.code, produced.stderr).toBe(0);
  const consumed = await run("kcat", [...tls, "-C", "-t", "tls", "-o", "beginning", "-e", "-f", "%s\n"]);
  expect(consumed.stdout.toString()).toBe("over tls\n");
  const kafka = new Kafka({
    brokers: [host.bootstrap], logLevel: logLevel.NOTHING,
    ssl: { ca: [readFileSync(join(dir, "cert.pem"), "utf8")] },
    sasl: { mechanism: "plain", username: ADMIN.user, password: ADMIN.password },
  });
  const admin = kafka.admin();
  await admin.connect();
  expect(await admin.listTopics()).toEqual(["tls"]);
  await admin.disconnect();
  // Plain TCP to the TLS port gets nowhere.
  const plain = await run("kcat", ["-b", host.bootstrap, "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanism=PLAIN",
    "-X", `sasl.username=${ADMIN.user}`, "-X", `sasl.password=${ADMIN.password}`, "-L", "-m", "3"]);
  expect(plain.code).not.toBe(0);
});
