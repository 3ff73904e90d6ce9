/**
 * The operator console's built files (`npm run build` writes them to dist/console), read once at
 * start-up into memory with a gzip copy of each text file: the whole console is a few hundred
 * kilobytes, so serving from memory keeps the file system out of the request path.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** dist/console beside this module's tree (src/serve/console and dist/serve/console alike). */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../dist/console/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

export interface ConsoleAsset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  /** Content-hashed file names never change content: cache them for good. */
  immutable: boolean;
}

/** Relative URL path (`index.html`, `assets/index-3f2a.js`) → asset. */
export type ConsoleAssets = ReadonlyMap<string, ConsoleAsset>;

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, d.name);
    if (d.isDirectory()) out.push(...(await walk(path)));
    else if (d.isFile()) out.push(path);
  }
  return out;
}

/** The console files under `dir`, or null when there is no built console (no index.html). */
export async function loadConsoleAssets(dir: string = DEFAULT_CONSOLE_DIR): Promise<ConsoleAssets | null> {
  let files: string[];
  try {
    files = await walk(dir);
  } catch {
    return null;
  }
  const assets = new Map<string, ConsoleAsset>();
  for (const path of files) {
    const ext = extname(path).toLowerCase();
    const type = TYPES[ext];
    if (type === undefined) continue;
    const body = await readFile(path);
    const rel = relative(dir, path).split(sep).join('/');
    assets.set(rel, {
      body,
      gzip: COMPRESSIBLE.has(ext) ? gzipSync(body, { level: 9 }) : null,
      type,
      immutable: rel.startsWith('assets/'),
    });
  }
  return assets.has('index.html') ? assets : null;
}
