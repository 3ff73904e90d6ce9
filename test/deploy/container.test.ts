import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { chartValues, REPO_ROOT } from './chart.js';
import { dockerInstructions, repoFile } from './repo-files.js';

const docker = dockerInstructions(repoFile('Dockerfile'));
const runtimeStage = Math.max(...docker.map((i) => i.stage));
const runtime = docker.filter((i) => i.stage === runtimeStage);
const ops = (op: string, from = runtime) => from.filter((i) => i.op === op);
const jsonArgs = (args: string) => JSON.parse(args) as string[];

describe('Dockerfile', () => {
  it('pins one Node base image for every stage', () => {
    const bases = ops('FROM', docker).map((i) => i.args.split(/\s+/)[0]);
    expect(bases.length).toBeGreaterThanOrEqual(2);
    for (const b of bases) expect(b).toMatch(/^node:26\.\d+\.\d+-bookworm-slim$/);
    expect(new Set(bases).size).toBe(1);
  });

  it('ships no dev dependencies, native build intermediates or dependency sources', () => {
    const build = docker
      .filter((i) => i.stage === 0 && i.op === 'RUN')
      .map((i) => i.args)
      .join(' ');
    expect(build).toMatch(/npm prune --omit=dev/);
    expect(build).toMatch(/rm -rf build deps src/);
    expect(build).toMatch(/-name '\*\.map'/);
    // The build stage is labelled so that a classic builder's leftover can be pruned by label.
    expect(docker.find((i) => i.stage === 0 && i.op === 'LABEL')?.args).toBe('recotem.stage=build');
  });

  it('keeps keys and local state out of the build context', () => {
    const ignore = repoFile('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['.env', '*.env', '.git', 'node_modules', 'artifacts']) expect(ignore).toContain(entry);
  });

  it('runs as uid 1000 from /workspace, with /recipes and /artifacts owned by 1000', () => {
    const user = ops('USER');
    expect(user.at(-1)?.args).toMatch(/^1000(:1000)?$/);
    expect(ops('WORKDIR').at(-1)?.args).toBe('/workspace');
    const run = ops('RUN')
      .map((i) => i.args)
      .join(' ');
    expect(run).toMatch(/mkdir -p [^&]*\/recipes/);
    expect(run).toMatch(/mkdir -p [^&]*\/artifacts/);
    expect(run).toMatch(/chown 1000:1000 [^&]*\/recipes[^&]*\/artifacts[^&]*\/workspace/);
    // compose mounts an empty named volume there: it must start out owned by 1000.
    expect(run).toMatch(/mkdir -p [^&]*\/workspace\/artifacts/);
  });

  it('enters through tini into recotem, with --help as the default command', () => {
    const entry = jsonArgs(ops('ENTRYPOINT').at(-1)?.args ?? '[]');
    expect(entry.at(-1)).toBe('recotem');
    expect(entry[0]).toBe('/usr/bin/tini');
    expect(
      ops('RUN')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/apt-get install [^&]*\btini\b/);
    expect(jsonArgs(ops('CMD').at(-1)?.args ?? '[]')).toEqual(['--help']);
    expect(
      ops('RUN')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/ln -s \/opt\/recotem\/bin\/recotem\.js \/usr\/local\/bin\/recotem/);
  });

  it('health-checks with scripts/healthcheck.mjs, copied where the probe looks for it', () => {
    const hc = ops('HEALTHCHECK').at(-1)?.args ?? '';
    expect(hc).toMatch(/--interval=30s/);
    expect(hc).toMatch(/--timeout=10s/);
    expect(hc).toMatch(/--retries=3/);
    const cmd = jsonArgs(hc.slice(hc.indexOf('CMD') + 3).trim());
    expect(cmd).toEqual(['node', '/opt/recotem/scripts/healthcheck.mjs']);
    const workdir = ops('WORKDIR').find((w) => w.args === '/opt/recotem');
    expect(workdir).toBeDefined();
    expect(ops('COPY').some((c) => /scripts\/healthcheck\.mjs \.\/scripts\/healthcheck\.mjs$/.test(c.args))).toBe(true);
    expect(existsSync(join(REPO_ROOT, 'scripts/healthcheck.mjs'))).toBe(true);
  });

  it('copies only build inputs that exist and that .dockerignore lets through', () => {
    const ignore = repoFile('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    const build = docker.filter((i) => i.stage === 0 && i.op === 'COPY' && !i.args.startsWith('--from'));
    expect(build.length).toBeGreaterThan(0);
    for (const copy of build) {
      const parts = copy.args.split(/\s+/);
      for (const src of parts.slice(0, -1)) {
        expect(existsSync(join(REPO_ROOT, src)), `${src} exists`).toBe(true);
        const top = src.split('/')[0];
        expect(ignore, `${src} is not excluded from the build context`).not.toContain(top);
      }
    }
  });
});

describe('compose.yaml', () => {
  const compose = parseYaml(repoFile('compose.yaml'), { merge: true });
  const { train, serve } = compose.services;
  const recipe = parseYaml(repoFile('examples/tutorial-purchase-log/recipe.yaml'));

  /** Where a container path comes from: a repo directory or a named volume. */
  function resolveMount(service: { volumes: string[] }, containerPath: string) {
    const mounts = service.volumes.map((v) => {
      const [source, target, mode] = v.split(':');
      return { source, target, readOnly: mode === 'ro' };
    });
    const hit = mounts
      .filter((m) => containerPath === m.target || containerPath.startsWith(`${m.target}/`))
      .sort((a, b) => b.target.length - a.target.length)[0];
    return hit ? { ...hit, rest: containerPath.slice(hit.target.length) } : null;
  }

  it('builds the image from this checkout under a local name, and names the pinned registry image', () => {
    const values = chartValues();
    const appVersion = parseYaml(repoFile('helm/recotem/Chart.yaml')).appVersion;
    for (const s of [train, serve]) {
      expect(s.image).toBe('recotem:local');
      expect(s.build).toBe('.');
      expect(s.working_dir).toBe('/workspace');
    }
    // The comment telling how to pin a published version names the chart's image.
    expect(repoFile('compose.yaml')).toContain(`${(values.image as { repository: string }).repository}:${appVersion}`);
  });

  it('mounts repository paths that exist, recipes read-only', () => {
    for (const s of [train, serve]) {
      for (const v of s.volumes as string[]) {
        const source = v.split(':')[0];
        if (source.startsWith('.')) expect(existsSync(join(REPO_ROOT, source)), source).toBe(true);
        else expect(compose.volumes, `named volume ${source}`).toHaveProperty(source);
      }
      expect(resolveMount(s, '/recipes')?.readOnly).toBe(true);
    }
  });

  it('trains and serves the tutorial recipe, whose relative paths resolve inside the mounts', () => {
    expect(train.command).toEqual(['train', '/recipes/recipe.yaml']);
    expect(serve.command).toEqual(['serve', '--recipes', '/recipes']);
    const recipeMount = resolveMount(train, '/recipes/recipe.yaml');
    expect(existsSync(join(REPO_ROOT, recipeMount?.source ?? '', recipeMount?.rest ?? ''))).toBe(true);
    for (const s of [train, serve]) {
      for (const rel of [recipe.source.path, recipe.item_metadata.path]) {
        const m = resolveMount(s, posix.join('/workspace', rel));
        expect(m, rel).not.toBeNull();
        expect(existsSync(join(REPO_ROOT, m?.source ?? '', m?.rest ?? '')), rel).toBe(true);
      }
    }
    const out = posix.join('/workspace', recipe.output.path);
    expect(resolveMount(train, out)).toMatchObject({ source: 'artifacts', readOnly: false });
    expect(resolveMount(serve, out)).toMatchObject({ source: 'artifacts', readOnly: true });
  });

  it('serve listens on all interfaces with API keys and a /health check', () => {
    expect(serve.environment.RECOTEM_HOST).toBe('0.0.0.0');
    expect(serve.environment.RECOTEM_API_KEYS).toBeTruthy();
    expect(serve.ports).toContain(`${serve.environment.RECOTEM_PORT}:${serve.environment.RECOTEM_PORT}`);
    expect(serve.healthcheck.test).toEqual(['CMD', 'node', '/opt/recotem/scripts/healthcheck.mjs']);
    expect(train.environment.RECOTEM_SIGNING_KEYS).toBeTruthy();
    expect(train.restart).toBe('no');
  });

  it('serve gets time to drain before Compose kills it', () => {
    const drain = Number(serve.environment.RECOTEM_DRAIN_SECONDS ?? 30);
    const grace = /^(\d+)s$/.exec(String(serve.stop_grace_period))?.[1];
    expect(Number(grace)).toBeGreaterThanOrEqual(drain + 5);
  });
});
