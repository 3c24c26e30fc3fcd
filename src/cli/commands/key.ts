// `edgebroker key create|list|rotate|revoke` — API keys (admin token required). The secret of a
// new or rotated key is printed once, on stdout alone, so `SECRET=$(edgebroker key create ...)`
// captures just it.
import { InvalidArgumentError, type Command } from "commander";
import { Admin, type Grant, type KeyListing, type Operation } from "../../client/index.ts";
import { clientOptions, contextOf, integer } from "../context.ts";
import { note, out, printJson, printLine, printTable } from "../output.ts";

const OPERATIONS: readonly Operation[] = ["produce", "consume", "admin"];

/** `produce:topic:telemetry.*` → {operation: "produce", resource: "topic:telemetry.*"}. */
function grant(raw: string, previous: Grant[] | undefined): Grant[] {
  const at = raw.indexOf(":");
  if (at <= 0 || at === raw.length - 1) {
    throw new InvalidArgumentError(
      `expected <operation>:<resource>, e.g. produce:topic:orders or consume:group:billing-*, got ${JSON.stringify(raw)}`,
    );
  }
  const operation = raw.slice(0, at) as Operation;
  if (!OPERATIONS.includes(operation))
    throw new InvalidArgumentError(`unknown operation "${operation}" (expected ${OPERATIONS.join(", ")})`);
  return [...(previous ?? []), { operation, resource: raw.slice(at + 1) }];
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_GRACE_MS = 7 * 86_400_000;

/** `--grace 10m`: a duration (ms, s, m, h, d; a bare number is ms), at most 7 days as the broker allows. */
function duration(raw: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(raw.trim());
  const ms = m ? Number(m[1]) * UNITS[m[2] ?? "ms"]! : NaN;
  if (!Number.isSafeInteger(ms) || ms > MAX_GRACE_MS)
    throw new InvalidArgumentError("expected a duration up to 7d, e.g. 30s, 10m, 2h, 1d (a bare number is milliseconds)");
  return ms;
}

const when = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

export function registerKey(program: Command): void {
  const key = program.command("key").description("create, list, rotate and revoke API keys (needs the admin token)");

  key
    .command("create")
    .description("create an API key; its secret is printed once")
    .argument("<name>", "a name for the key (who or what uses it)")
    .requiredOption(
      "-g, --grant <operation:resource>",
      "a grant, repeatable: produce|consume|admin on topic:<name or prefix*> or group:<name or prefix*>",
      grant,
    )
    .option("--requests-per-second <n>", "quota: requests per second", integer(1))
    .option("--bytes-per-second <n>", "quota: bytes per second", integer(1))
    .addHelpText("after", "\nExample:\n  edgebroker key create sensor-7 --grant 'produce:topic:telemetry.*' --grant consume:group:dash")
    .action(async (name: string, opts: { grant: Grant[]; requestsPerSecond?: number; bytesPerSecond?: number }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const quotas: Record<string, number> = {};
      if (opts.requestsPerSecond !== undefined) quotas.requests_per_second = opts.requestsPerSecond;
      if (opts.bytesPerSecond !== undefined) quotas.bytes_per_second = opts.bytesPerSecond;
      const created = await new Admin(clientOptions(ctx)).createKey({
        name,
        grants: opts.grant,
        ...(Object.keys(quotas).length ? { quotas } : {}),
      });
      if (ctx.json) return printJson(created);
      printLine(created.secret);
      note(
        `created key ${out.bold(created.id)} (${name}); the secret above is shown only this once — use it as --token / EDGEBROKER_TOKEN`,
      );
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
        keys.map((k: KeyListing) => [
          k.id,
          k.name,
          k.grants.map((g) => `${g.operation}:${g.resource}`).join(" "),
          when(k.created_at),
          when(k.revoked_at),
        ]),
      );
    });

  key
    .command("rotate")
    .description("give a key a new secret; the old one stops working at once, or after --grace")
    .argument("<id>", "the key id (16 hex digits, from `key list`)")
    .option("--grace <duration>", "keep the old secret valid this long too, e.g. 10m, 1h (at most 7d; default 0)", duration)
    .addHelpText("after", "\nExample:\n  SECRET=$(edgebroker key rotate 0123456789abcdef --grace 1h)")
    .action(async (id: string, opts: { grace?: number }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const rotated = await new Admin(clientOptions(ctx)).rotateKey(id, { graceMs: opts.grace ?? 0 });
      if (ctx.json) return printJson(rotated);
      printLine(rotated.secret);
      note(
        `rotated key ${out.bold(id)}; the secret above is shown only this once. ` +
          (rotated.previous_valid_until
            ? `The old secret works until ${when(rotated.previous_valid_until)}.`
            : "The old secret no longer works."),
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
