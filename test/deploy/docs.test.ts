import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { findKind, type Manifest, REPO_ROOT, renderChart } from './chart.js';
import { podSpec } from './k8s-checks.js';
import { envNamesIn, isKnownEnvName, knownEnvNames, repoFile } from './repo-files.js';

const COMMANDS = ['train', 'serve', 'inspect', 'validate', 'schema', 'keygen', 'export'] as const;
const DOCS = ['docs/deployment.md', 'examples/k8s/README.md'];
const known = knownEnvNames();

/** Long flags per command, read from the command definitions in src/cli/program.ts. */
function cliFlags(): Map<string, Set<string>> {
  const program = repoFile('src/cli/program.ts');
  const flags = new Map<string, Set<string>>();
  const chunks = program.split(/\.command\('/).slice(1);
  for (const chunk of chunks) {
    const name = chunk.slice(0, chunk.indexOf("'"));
    const set = new Set<string>();
    for (const m of chunk.matchAll(/\.(?:option|requiredOption)\(\s*'([^']*)'/g)) {
      for (const f of m[1].matchAll(/--[a-z][a-z0-9-]*/g)) set.add(f[0]);
    }
    flags.set(name, set);
  }
  return flags;
}

/** `recotem <command> …` and `<image> <command> …` invocations with the flags that follow. */
function invocations(text: string): { command: string; flags: string[]; line: string }[] {
  const out: { command: string; flags: string[]; line: string }[] = [];
  const joined = text.replace(/\\\n\s*/g, ' ');
  for (const line of joined.split('\n')) {
    for (const m of line.matchAll(/(?:(?<![\w.=/-])recotem|recotem-ts:[\w.]+)\s+([a-z][a-z-]*)([^`|;]*)/g)) {
      const flags = [...m[2].matchAll(/(?:^|\s)(--[a-z][a-z0-9-]*)/g)].map((f) => f[1]);
      out.push({ command: m[1], flags, line: line.trim() });
    }
  }
  return out;
}

describe('deployment docs name only what exists', () => {
  const flags = cliFlags();

  it('reads the flags of every command from the CLI definition', () => {
    expect([...flags.keys()].sort()).toEqual([...COMMANDS].sort());
    expect(flags.get('train')).toContain('--fail-on-busy');
    expect(flags.get('serve')).toContain('--recipes');
  });

  for (const doc of DOCS) {
    it(`${doc}: every recotem command and flag exists`, () => {
      const calls = invocations(repoFile(doc)).filter((c) => (COMMANDS as readonly string[]).includes(c.command));
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) {
        for (const f of call.flags) expect(flags.get(call.command), `${f} in: ${call.line}`).toContain(f);
      }
    });

    it(`${doc}: every RECOTEM_* variable is read by the product`, () => {
      const names = envNamesIn(repoFile(doc));
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(isKnownEnvName(name, known), name).toBe(true);
    });

    it(`${doc}: every fixed HTTP path is served`, () => {
      const serveSource = readdirSync(join(REPO_ROOT, 'src/serve/http/routes'))
        .map((f) => readFileSync(join(REPO_ROOT, 'src/serve/http/routes', f), 'utf8'))
        .join('\n');
      const paths = new Set(
        [...repoFile(doc).matchAll(/(?<![\w.])\/(?:v1\/health[\w/]*|health[\w/]*|v1\/metrics)/g)].map((m) => m[0]),
      );
      for (const path of paths) expect(serveSource, path).toContain(`'${path}'`);
    });
  }

  it('docs/deployment.md: invocations name real commands only', () => {
    const calls = invocations(repoFile('docs/deployment.md'));
    const unknown = calls.filter(
      (c) => !(COMMANDS as readonly string[]).includes(c.command) && c.command !== 'ts' && !c.line.includes('recotem-'),
    );
    expect(unknown.map((c) => c.line)).toEqual([]);
  });
});

describe('deployment assets set only variables the product reads', () => {
  function envNames(env: Manifest[] | undefined): string[] {
    return (env ?? []).map((e) => e.name).filter((n: string) => n.startsWith('RECOTEM_'));
  }

  it('compose.yaml', () => {
    const compose = parseYaml(repoFile('compose.yaml'), { merge: true });
    for (const service of Object.values(compose.services) as Manifest[]) {
      for (const name of Object.keys(service.environment ?? {})) expect(isKnownEnvName(name, known), name).toBe(true);
    }
  });

  it('Dockerfile', () => {
    for (const name of envNamesIn(repoFile('Dockerfile'))) expect(isKnownEnvName(name, known), name).toBe(true);
  });

  it('Helm values and every rendered container', () => {
    for (const name of envNamesIn(repoFile('helm/recotem/values.yaml'))) {
      expect(isKnownEnvName(name, known), name).toBe(true);
    }
    const r = renderChart({ train: { enabled: true }, metrics: { enabled: true }, artifacts: { enabled: true } });
    const kinds = [...findKind(r, 'Deployment'), ...findKind(r, 'CronJob')];
    expect(kinds).toHaveLength(2);
    for (const m of kinds) {
      for (const c of podSpec(m).containers) {
        for (const name of envNames(c.env)) expect(isKnownEnvName(name, known), name).toBe(true);
      }
    }
  });

  it('plain Kubernetes manifests', () => {
    const dir = join(REPO_ROOT, 'examples/k8s');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
      for (const name of envNamesIn(readFileSync(join(dir, f), 'utf8'))) {
        expect(isKnownEnvName(name, known), `${f}: ${name}`).toBe(true);
      }
    }
  });

  it('the scan itself tells real names from made-up ones', () => {
    expect(isKnownEnvName('RECOTEM_DRAIN_SECONDS', known)).toBe(true);
    expect(isKnownEnvName('RECOTEM_RECIPE_DB_DSN', known)).toBe(true);
    expect(isKnownEnvName('RECOTEM_METRICS_PORT', known)).toBe(false);
    expect(isKnownEnvName('RECOTEM_LOCK_SPACE', known)).toBe(false);
  });
});
