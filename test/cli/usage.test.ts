import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetLoggingForTests } from '../../src/log/index.js';
import { runInProcess, tempDir } from './helpers.js';

/** Stands for the path of an existing recipe file in the table below. */
const RECIPE = '<recipe>';

let dir: ReturnType<typeof tempDir>;
let recipe: string;

beforeAll(() => {
  dir = tempDir('recotem-cli-usage-');
  recipe = join(dir.path, 'r.yaml');
  writeFileSync(recipe, 'name: r\n');
});
afterAll(() => dir.remove());
afterEach(() => resetLoggingForTests());

describe('command surface', () => {
  it('--help lists the seven commands, no help command and no --version', async () => {
    const r = await runInProcess(['--help']);
    expect(r.code).toBe(0);
    const text = r.stdout.join('\n');
    for (const cmd of ['train', 'serve', 'inspect', 'export', 'validate', 'schema', 'keygen']) {
      expect(text).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    }
    expect(text).not.toMatch(/^ {2}help\b/m);
    expect(text).not.toContain('--version');
    expect((await runInProcess(['--version'])).code).toBe(2);
  });

  it('each command has help, exit 0', async () => {
    for (const cmd of ['train', 'serve', 'inspect', 'export', 'validate', 'schema', 'keygen']) {
      const r = await runInProcess([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout.join('\n')).toContain(`Usage: recotem ${cmd}`);
    }
  });

  it('no command: help on stderr, exit 2', async () => {
    const r = await runInProcess([]);
    expect(r.code).toBe(2);
    expect(r.stderr.join('\n')).toContain('Usage: recotem');
  });

  it.each([
    [['nope'], /unknown command 'nope'/],
    [['train', RECIPE, '--bogus'], /unknown option '--bogus'/],
    [['train'], /missing required argument 'RECIPE'/],
    [['train', RECIPE, 'extra'], /too many arguments/],
    [['train', '/definitely/not/here.yaml'], /Path '\/definitely\/not\/here.yaml' does not exist/],
    [['validate', '/definitely/not/here.yaml'], /does not exist/],
    [['train', RECIPE, '--lock-timeout', 'soon'], /'soon' is not a valid float/],
    [['train', RECIPE, '--lock-timeout', 'nan'], /not a valid float/],
    [['train', RECIPE, '--no-lock=true'], /unknown option/],
    [['train', RECIPE, '--run-id'], /argument missing/],
    [['serve'], /required option '--recipes <DIR>' not specified/],
    [['serve', '--recipes', '/definitely/not/here'], /Directory '\/definitely\/not\/here' does not exist/],
    [['serve', '--recipes', RECIPE], /is a file/],
    [['serve', '--recipes', '.', '--port', 'http'], /'http' is not a valid integer/],
    [['inspect'], /missing required argument 'ARTIFACT'/],
    [['keygen', '--kid'], /argument missing/],
  ])('usage error %j → exit 2 with usage on stderr', async (argv, message) => {
    const r = await runInProcess(argv.map((a) => (a === RECIPE ? recipe : a)));
    expect(r.code).toBe(2);
    const err = r.stderr.join('\n');
    expect(err).toMatch(message);
    expect(err).toContain('Usage: recotem');
    expect(r.stdout).toEqual([]);
  });
});
