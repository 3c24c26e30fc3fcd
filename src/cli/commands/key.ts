// `edgebroker key create|list|revoke` — API keys (admin token required). The secret of a new key
// is printed once, on stdout alone, so `SECRET=$(edgebroker key create ...)` captures just it.
import { InvalidArgumentError, type Command } from "commander";
import { Admin, type Grant, type KeyListing, type Operation } from "../../client/index.ts";
import { clientOptions, contextOf, integer } from "../context.ts";
import { note, out, printJson, printLine, printTable } from "../output.ts";

const OPERATIONS: readonly Operation[] = ["produce", "consume", "admin"];

/** `produce:topic:telemetry.*` → {operation: "produce", resource: "topic:telemetry.*"}. */
function grant(raw: string, previous: Grant[] | undefined): Grant[] {
  const at = raw.indexOf(":");
  if (at <= 0 || at === raw.length - 1) {
    throw new InvalidArgumentError(`expected <operation>:<resource>, e.g. produce:topic:orders or consume:group:billing-*, got ${JSON.stringify(raw)}`);
  }
  const operation = raw.slice(0, at) as Operation;
  if (!OPERATIONS.includes(operation)) throw new InvalidArgumentError(`unknown operation "${operation}" (expected ${OPERATIONS.join(", ")})`);
  return [...(previous ?? []), { operation, resource: raw.slice(at + 1) }];
}

const when = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

export function registerKey(program: Command): void {
  const key = program.command("key").description("create, list and revoke API keys (needs the admin token)");

  key
    .command("create")
    .description("create an API key; its secret is printed once")
    .argument("<name>", "a name for the key (who or what uses it)")
    .requiredOption("-g, --grant <operation:resource>", "a grant, repeatable: produce|consume|admin on topic:<name or prefix*> or group:<name or prefix*>", grant)
    .option("--requests-per-second <n>", "quota: requests per second", integer(1))
    .option("--bytes-per-second <n>", "quota: bytes per second", integer(1))
    .addHelpText("after", "\nExample:\n  edgebroker key create sensor-7 --grant 'produce:topic:telemetry.*' --grant consume:group:dash")
    .action(async (name: string, opts: { grant: Grant[]; requestsPerSecond?: number; bytesPerSecond?: number }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const quotas: Record<string, number> = {};
      if (opts.requestsPerSecond !== undefined) quotas.requests_per_second = opts.requestsPerSecond;
      if (opts.bytesPerSecond !== undefined) quotas.bytes_per_second = opts.bytesPerSecond;
      const created = await new Admin(clientOptions(ctx)).createKey({ name, grants: opts.grant, ...(Object.keys(quotas).length ? { quotas } : {}) });
      if (ctx.json) return printJson(created);
      printLine(created.secret);
      note(`created key ${out.bold(created.id)} (${name}); the secret above is shown only this once — use it as --token / EDGEBROKER_TOKEN`);
    });

  key
    .command("list")
    .alias("ls")
    .description("list API keys (never their secrets)")
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const keys = await new Admin(clientOptions(ctx)).listKeys();
      if (ctx.json) return printJson({ keys });
      if (keys.length === 0) return note("no keys");
      printTable(
        ["ID", "NAME", "GRANTS", "CREATED", "REVOKED"],
        keys.map((k: KeyListing) => [k.id, k.name, k.grants.map((g) => `${g.operation}:${g.resource}`).join(" "), when(k.created_at), when(k.revoked_at)]),
      );
    });

  key
    .command("revoke")
    .description("revoke an API key, effective at once")
    .argument("<id>", "the key id (16 hex digits, from `key list`)")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      await new Admin(clientOptions(ctx)).revokeKey(id);
      if (ctx.json) printJson({ revoked: id });
      else printLine(`revoked key ${out.bold(id)}`);
    });
}
