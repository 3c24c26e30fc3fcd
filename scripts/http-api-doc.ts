// Writes docs/http-api.md from the OpenAPI document (src/http/openapi/reference.ts renders it).
// Run after changing a route or its schemas: node scripts/http-api-doc.ts
import { writeFile } from "node:fs/promises";
import { referenceApp } from "../src/http/openapi/reference-app.ts";
import { openApiDocument } from "../src/http/openapi/document.ts";
import { renderReference } from "../src/http/openapi/reference.ts";

const page = renderReference(openApiDocument(referenceApp()) as unknown as Record<string, unknown>);
await writeFile(new URL("../docs/http-api.md", import.meta.url), page);
console.log(`docs/http-api.md: ${page.split("\n").length} lines`);
