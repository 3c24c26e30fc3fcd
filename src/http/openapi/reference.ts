// docs/http-api.md, rendered from the OpenAPI document (scripts/http-api-doc.ts writes it; a test
// checks the committed page is what the document renders to). Plain Markdown: one section per
// tag, one entry per operation with its parameters, bodies, answers and examples.
import { ERROR_TEXT } from "./schemas.ts";

type Json = Record<string, unknown>;

const METHODS = ["get", "head", "post", "put", "patch", "delete"] as const;

function schemaText(schema: Json | undefined, components: Json): string {
  if (!schema) return "";
  if (typeof schema.$ref === "string") return schema.$ref.replace("#/components/schemas/", "");
  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf))
    return ((schema.anyOf ?? schema.oneOf) as Json[]).map((s) => schemaText(s, components)).join(" \\| ");
  const type = Array.isArray(schema.type) ? schema.type.join(" \\| ") : String(schema.type ?? "any");
  if (type === "array") return `${schemaText(schema.items as Json, components)}[]`;
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(" \\| ");
  const limits = [
    schema.minimum !== undefined ? `≥ ${schema.minimum}` : "",
    schema.maximum !== undefined ? `≤ ${schema.maximum}` : "",
    schema.default !== undefined ? `default ${JSON.stringify(schema.default)}` : "",
  ].filter(Boolean);
  return limits.length ? `${type} (${limits.join(", ")})` : type;
}

function fence(example: unknown, media: string): string {
  const text = typeof example === "string" ? example : JSON.stringify(example, null, 2);
  return [`\`\`\`${media.includes("json") ? "json" : "text"}`, text.trimEnd(), "```"].join("\n");
}

function content(title: string, body: Json | undefined, components: Json): string[] {
  const media = (body?.content ?? {}) as Record<string, Json>;
  const types = Object.keys(media);
  if (types.length === 0) return [];
  const first = media[types[0]!]!;
  const out = [`${title} (${types.map((t) => `\`${t}\``).join(", ")}): ${schemaText(first.schema as Json, components)}`];
  const withExample = types.find((t) => media[t]!.example !== undefined);
  if (withExample) out.push("", fence(media[withExample]!.example, withExample));
  return out;
}

/** The reference page for `doc` (an OpenAPI 3.1 document as served by GET /openapi.json). */
export function renderReference(doc: Json): string {
  const info = doc.info as Json;
  const components = (doc.components ?? {}) as Json;
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const lines: string[] = [`### \`${method.toUpperCase()} ${path}\``, ""];
      if (op.summary) lines.push(String(op.summary), "");
      if (op.description) lines.push(String(op.description), "");
      if (Array.isArray(op.security) && op.security.length === 0) lines.push("No authentication.", "");
      const params = (op.parameters ?? []) as Json[];
      if (params.length) {
        lines.push("| Parameter | In | Type | Required | Description |", "| --- | --- | --- | --- | --- |");
        for (const p of params) {
          const schema = p.schema as Json;
          const text = String(p.description ?? schema?.description ?? "")
            .replace(/\|/g, "\\|")
            .replace(/\n/g, " ");
          lines.push(`| \`${p.name}\` | ${p.in} | ${schemaText(schema, components)} | ${p.required ? "yes" : "no"} | ${text} |`);
        }
        lines.push("");
      }
      const request = content("Request body", op.requestBody as Json, components);
      if (request.length) lines.push(...request, "");
      const failures: string[] = [];
      for (const [status, response] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
        const media = Object.values((response.content ?? {}) as Record<string, Json>)[0];
        if ((media?.schema as Json | undefined)?.$ref === "#/components/schemas/Error" && media?.example === undefined) {
          failures.push(status);
          continue;
        }
        const answer = content(`**${status}** ${response.description}`, response, components);
        lines.push(...(answer.length ? answer : [`**${status}** ${response.description}`]), "");
      }
      if (failures.length) lines.push(`Errors (\`Error\`): ${failures.join(", ")}`, "");
      const tag = ((op.tags as string[] | undefined) ?? ["Other"])[0]!;
      byTag.set(tag, [...(byTag.get(tag) ?? []), lines.join("\n")]);
    }
  }
  const sections = [...byTag].map(([tag, ops]) => [`## ${tag}`, "", ...ops].join("\n"));
  // The table of contents: one line a tag, its anchor as GitHub makes it (lower case, spaces to
  // hyphens), and how many operations it holds.
  const anchor = (tag: string) =>
    tag
      .toLowerCase()
      .replace(/[^a-z0-9 -]/g, "")
      .replace(/ /g, "-");
  const toc = [...byTag].map(([tag, ops]) => `- [${tag}](#${anchor(tag)}) (${ops.length} operations)`);
  return [
    `# ${info.title}`,
    "",
    "<!-- Generated from GET /openapi.json by `node scripts/http-api-doc.ts`; do not edit by hand. -->",
    "",
    String(info.description),
    "",
    "Every route below is also in the OpenAPI 3.1 document a running broker serves at `GET /openapi.json`",
    "(no authentication), generated from the schemas the routes validate requests with. Errors are",
    '`{"error": {"code": "<stable_snake_case>", "message": "..."}}` (schema `Error`); the statuses:',
    "",
    "| Status | Meaning |",
    "| --- | --- |",
    ...Object.entries(ERROR_TEXT).map(([status, text]) => `| ${status} | ${text} |`),
    "",
    "Contents:",
    "",
    ...toc,
    "",
    ...sections,
  ]
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd()
    .concat("\n");
}
