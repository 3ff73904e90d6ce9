/**
 * The prose documentation only names things that exist: every flag given to a `recotem <command>`
 * is an option of that command, every RECOTEM_* variable appears in the source, every `/v1/...`
 * path is a route of the server, and the configuration table of docs/operations.md lists exactly
 * the variables the code reads.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { openApiSnapshot } from '../../scripts/docs/openapi.js';
import { buildProgram, defaultBodies } from '../../src/cli/program.js';
import { configureLogging } from '../../src/log/index.js';
import { buildServer } from '../../src/serve/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function walk(dir: string, accept: (file: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path, accept));
    else if (accept(path)) out.push(path);
  }
  return out;
}

/** docs/**\/*.md, README.md and examples/*\/README.md. */
function documentationFiles(): string[] {
  const examples = readdirSync(join(root, 'examples'))
    .map((d) => join(root, 'examples', d, 'README.md'))
    .filter((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false;
      }
    });
  return [...walk(join(root, 'docs'), (f) => f.endsWith('.md')), join(root, 'README.md'), ...examples];
}

const docs = documentationFiles().map((file) => ({
  file: relative(root, file),
  // Shell continuation lines are one command.
  text: readFileSync(file, 'utf8').replace(/\\\n\s*/g, ' '),
}));

/** Flags of other tools that the docs show in inline code on their own (`--read-only` is Docker's). */
const OTHER_TOOL_FLAGS = new Set([
  '--read-only', // docker run
  '--stop-timeout', // docker run
  '--live', // scripts/healthcheck.mjs, checked below
]);

function programFlags(): Map<string, Set<string>> {
  const program: Command = buildProgram({ env: {}, stdout: () => {}, stderr: () => {} }, defaultBodies, () => {});
  const flags = new Map<string, Set<string>>();
  for (const command of program.commands) {
    const set = new Set(['--help', '-h']);
    for (const option of command.options) {
      if (option.long) set.add(option.long);
      if (option.short) set.add(option.short);
    }
    flags.set(command.name(), set);
  }
  flags.set('', new Set(['--help', '-h']));
  return flags;
}

const COMMAND_MENTION =
  /\brecotem(?:\.js)?((?:\s+--?[A-Za-z][\w-]*)*)\s+(train|serve|inspect|validate|schema|keygen)\b([^\n`|;&)>]*)/g;
const FLAG = /(?:^|\s)(--?[A-Za-z][\w-]*)/g;

describe('command-line flags in the docs', () => {
  const flags = programFlags();
  const allFlags = new Set([...flags.values()].flatMap((s) => [...s]));

  it('knows the seven commands', () => {
    expect([...flags.keys()].filter(Boolean).sort()).toEqual(
      ['export', 'inspect', 'keygen', 'schema', 'serve', 'train', 'validate'].sort(),
    );
  });

  it('every flag written after `recotem <command>` is an option of that command', () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const { file, text } of docs) {
      for (const match of text.matchAll(COMMAND_MENTION)) {
        const command = match[2];
        for (const flag of match[3].matchAll(FLAG)) {
          checked++;
          if (!flags.get(command)!.has(flag[1])) wrong.push(`${file}: recotem ${command} ${flag[1]}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
    expect(wrong, 'flags the commands do not have').toEqual([]);
  });

  it('every flag shown on its own in inline code belongs to some command', () => {
    const wrong: string[] = [];
    for (const { file, text } of docs) {
      for (const match of text.matchAll(/`(--?[A-Za-z][\w-]*)(?:[ =][^`]*)?`/g)) {
        const flag = match[1];
        if (!allFlags.has(flag) && !OTHER_TOOL_FLAGS.has(flag)) wrong.push(`${file}: ${flag}`);
      }
    }
    expect(wrong, 'unknown flags (add flags of other tools to OTHER_TOOL_FLAGS)').toEqual([]);
  });

  it('the other-tool flags are real: --live is a flag of the health-check script', () => {
    expect(readFileSync(join(root, 'scripts', 'healthcheck.mjs'), 'utf8')).toContain("'--live'");
  });
});

/** RECOTEM_* names the source reads from the environment (`env.X`, `env['X']` or a 'X' literal). */
function variablesReadBySource(): Set<string> {
  const names = new Set<string>();
  for (const file of walk(join(root, 'src'), (f) => f.endsWith('.ts'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:env\??\.|env\[['"]|['"])(RECOTEM_[A-Z0-9_]+)/g)) names.add(m[1]);
  }
  return names;
}

/** Every RECOTEM_* identifier anywhere in the source, comments included. */
function namesInSource(): string {
  return walk(join(root, 'src'), (f) => f.endsWith('.ts'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}

describe('environment variables in the docs', () => {
  it('every RECOTEM_* name mentioned exists in the source (RECOTEM_RECIPE_* names are the user’s own)', () => {
    const source = namesInSource();
    const missing = new Set<string>();
    for (const { file, text } of docs) {
      for (const m of text.matchAll(/\bRECOTEM_[A-Z0-9_]*[A-Z0-9]\b/g)) {
        const name = m[0];
        if (name.startsWith('RECOTEM_RECIPE_')) continue;
        if (!new RegExp(`\\b${name}\\b`).test(source)) missing.add(`${file}: ${name}`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it('the configuration table of docs/operations.md lists exactly the variables the code reads', () => {
    const text = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
    const section = text.slice(
      text.indexOf('## Configuration'),
      text.indexOf('\n## ', text.indexOf('## Configuration') + 3),
    );
    const documented = new Set(
      [...section.matchAll(/^\| `(RECOTEM_[A-Z0-9_]+\*?)`/gm)].map((m) => m[1].replace(/\*$/, '')),
    );
    const read = variablesReadBySource();
    expect(read.size).toBeGreaterThan(20);
    expect([...read].filter((n) => !documented.has(n)).sort(), 'read by the code but not in the table').toEqual([]);
    expect([...documented].filter((n) => !read.has(n)).sort(), 'in the table but never read').toEqual([]);
  });
});

describe('HTTP paths in the docs', () => {
  let templates: RegExp[];
  let answers: (path: string) => Promise<number>;
  let close: () => Promise<void>;

  beforeAll(async () => {
    configureLogging({ level: 'error' });
    const { document } = await openApiSnapshot();
    templates = Object.keys(document.paths as object).map(
      (p) => new RegExp(`^${p.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`),
    );
    // Routes left out of the OpenAPI document (metrics, /health aliases) must still answer.
    const app = await buildServer({ settings: { env: 'test', metricsEnabled: true, workers: { kind: 'inline' } } });
    await app.ready();
    answers = async (path) =>
      (await app.inject({ method: 'GET', url: path, headers: { host: 'localhost' } })).statusCode;
    close = () => app.close();
  }, 60_000);

  it('every /v1 path mentioned is a route of the OpenAPI document or one the server answers', async () => {
    const unknown: string[] = [];
    let checked = 0;
    try {
      for (const { file, text } of docs) {
        for (const m of text.matchAll(/\/v1\/[A-Za-z0-9_{}:/.-]*/g)) {
          const path = m[0].replace(/[.:/]+$/, '');
          if (path === '/v1') continue;
          checked++;
          if (templates.some((t) => t.test(path))) continue;
          const concrete = path.replace(/\{[^}]+\}/g, 'demo');
          if ((await answers(concrete)) === 404) unknown.push(`${file}: ${path}`);
        }
      }
    } finally {
      await close();
    }
    expect(checked).toBeGreaterThan(10);
    expect(unknown).toEqual([]);
  });
});
