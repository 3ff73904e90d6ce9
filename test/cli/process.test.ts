import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

/** The real executable path: a child process, real exit status, real stdout/stderr. */
const ENTRY = join(import.meta.dirname, '../../src/cli/entry.ts');

function recotem(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    env: { PATH: process.env.PATH ?? '', RECOTEM_LOG_FORMAT: 'json', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: ReturnType<typeof tempDir>;
let recipe: string;
beforeAll(() => {
  dir = tempDir('recotem-cli-process-');
  recipe = join(dir.path, 'r.yaml');
  writeFileSync(recipe, 'name: r\n');
});
afterAll(() => dir.remove());

describe('recotem as a process', () => {
  it('--help: exit 0, the six commands on stdout', () => {
    const r = recotem(['--help']);
    expect(r.status).toBe(0);
    for (const cmd of ['train', 'serve', 'inspect', 'validate', 'schema', 'keygen']) expect(r.stdout).toContain(cmd);
  });

  it('unknown flag: exit 2, usage on stderr, nothing on stdout', () => {
    const r = recotem(['train', recipe, '--frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option '--frobnicate'");
    expect(r.stderr).toContain('Usage: recotem train');
    expect(r.stdout).toBe('');
  });

  it('keygen: exit 0, four lines on stdout', () => {
    const r = recotem(['keygen', '--type', 'api']);
    expect(r.status).toBe(0);
    expect(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('=')[0]),
    ).toEqual(['kid', 'plaintext', 'hash', 'env_entry']);
  });

  it('keygen --type wrong: exit 8 with the exact line', () => {
    const r = recotem(['keygen', '--type', 'rsa']);
    expect(r.status).toBe(8);
    expect(r.stderr).toBe("--type must be 'signing' or 'api', got 'rsa'.\n");
  });

  it('train dev flag outside development: exit 8 with the exact line', () => {
    const r = recotem(['train', recipe, '--dev-allow-unsigned', '--i-understand-this-loads-arbitrary-code'], {
      RECOTEM_ENV: 'production',
    });
    expect(r.status).toBe(8);
    expect(r.stderr).toBe("--dev-allow-unsigned requires RECOTEM_ENV=development. Current RECOTEM_ENV='production'.\n");
  });

  it('train --lock-timeout -2: exit 8', () => {
    const r = recotem(['train', recipe, '--lock-timeout', '-2']);
    expect(r.status).toBe(8);
    expect(r.stderr).toMatch(/^--lock-timeout must be/);
  });

  it('train --env-var without "=": exit 2 with the exact line', () => {
    const r = recotem(['train', recipe, '--env-var', 'NOEQUALS']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("--env-var 'NOEQUALS' must be in KEY=VALUE format.\n");
  });
});
