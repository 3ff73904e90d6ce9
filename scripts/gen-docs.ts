/**
 * Writes the generated references under docs/reference/ (recipe and HTTP API) from the code.
 * Run with `npm run docs:gen`; test/docs/generated.test.ts fails when the committed files differ.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configureLogging } from '../src/log/index.js';
import { generateDocs } from './docs/generate.js';

// The authentication probes log refused requests; they are expected here.
configureLogging({ level: 'error' });
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

for (const file of await generateDocs()) {
  const target = join(root, file.path);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, file.content);
  process.stdout.write(`wrote ${file.path}\n`);
}
