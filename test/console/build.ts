/** The built console (dist/console) the browser tests serve, and its compressed size. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEFAULT_CONSOLE_DIR } from '../../src/serve/console/assets.js';

export function consoleBuildDir(): string {
  if (!existsSync(join(DEFAULT_CONSOLE_DIR, 'index.html'))) {
    throw new Error(`${DEFAULT_CONSOLE_DIR} has no index.html: run \`npm run build\` (npm test does) first`);
  }
  return DEFAULT_CONSOLE_DIR;
}

/** Sum of every built file gzipped at the level the server uses. */
export function consoleGzipBytes(dir = consoleBuildDir()): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    total += gzipSync(readFileSync(join(entry.parentPath, entry.name)), { level: 9 }).length;
  }
  return total;
}
