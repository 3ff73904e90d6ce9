/**
 * Generates the typed client's path types from the committed OpenAPI document with
 * openapi-typescript, as a client author would. Run `npx tsx test/serve/openapi-client/generate.ts`
 * after `npm run docs:gen` changed docs/reference/openapi.json; test/serve/openapi.test.ts fails
 * while the committed types are stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

export const DOCUMENT_PATH = join(import.meta.dirname, '../../../docs/reference/openapi.json');
export const TYPES_PATH = join(import.meta.dirname, 'paths.generated.ts');

/** Fields with a default stay optional: request bodies may leave them out. */
export async function generateClientTypes(document: string): Promise<string> {
  return COMMENT_HEADER + astToString(await openapiTS(document, { defaultNonNullable: false }));
}

if (process.argv[1] === import.meta.filename) {
  await writeFile(TYPES_PATH, await generateClientTypes(await readFile(DOCUMENT_PATH, 'utf8')));
  process.stdout.write(`wrote ${TYPES_PATH}\n`);
}
