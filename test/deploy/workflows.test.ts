import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from './chart.js';
import { repoFile } from './repo-files.js';

const run = promisify(execFile);
const VALIDATOR = join(REPO_ROOT, 'node_modules/.bin/action-validator');
const WORKFLOWS = ['ci.yml', 'docker.yml', 'release.yml'];

/** Exit code and output of the GitHub workflow schema validator on `file`. */
async function validate(file: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(VALIDATOR, [file], { cwd: REPO_ROOT });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

type Workflow = {
  on: Record<string, { branches?: string[]; tags?: string[] }>;
  jobs: Record<string, { permissions?: Record<string, string>; services?: Record<string, unknown>; steps: Step[] }>;
};
type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };

const workflow = (name: string) => parseYaml(repoFile(`.github/workflows/${name}`)) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

describe('GitHub workflows', () => {
  for (const name of WORKFLOWS) {
    it(`${name} passes the workflow schema validator`, async () => {
      const r = await validate(join('.github/workflows', name));
      // Warnings (path globs are not checked by this validator) are fine; errors are not.
      expect(r.output).not.toContain('"errors"');
      expect(r.code).toBe(0);
    });
  }

  it('the validator rejects a broken workflow (so the checks above mean something)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recotem-wf-'));
    try {
      const file = join(dir, 'broken.yml');
      writeFileSync(file, 'on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    stepz: []\n');
      const r = await validate(file);
      expect(r.code).not.toBe(0);
      expect(r.output).toContain("Additional property 'stepz' is not allowed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ci.yml runs .ci/run with PostgreSQL and MariaDB services on every supported Node line', () => {
    const ci = workflow('ci.yml');
    const job = ci.jobs.test as unknown as { strategy: { matrix: { node: string[] } } } & Workflow['jobs'][string];
    expect(Object.keys(job.services ?? {}).sort()).toEqual(['mariadb', 'postgres']);
    expect(steps(ci).some((s) => s.run === 'bash .ci/run')).toBe(true);
    expect(job.strategy.matrix.node).toEqual(expect.arrayContaining(['20.19', '26']));
    const engines = JSON.parse(repoFile('package.json')).engines.node;
    expect(engines).toBe(`>=${job.strategy.matrix.node[0]}`);
  });

  it('docker.yml pushes both architectures with the documented tags, SBOM and signed provenance', () => {
    const docker = workflow('docker.yml');
    expect(docker.on.push.tags).toEqual(['v*.*.*']);
    expect(docker.on.push.branches).toEqual(['main']);
    const build = steps(docker).find((s) => s.uses?.startsWith('docker/build-push-action@'));
    expect(build?.with).toMatchObject({ platforms: 'linux/amd64,linux/arm64', sbom: true, provenance: 'mode=max' });
    const tags = String(steps(docker).find((s) => s.uses?.startsWith('docker/metadata-action@'))?.with?.tags);
    for (const rule of [
      'type=semver,pattern={{version}}',
      'type=semver,pattern={{major}}.{{minor}}',
      'type=raw,value=latest,enable={{is_default_branch}}',
      'type=ref,event=branch',
      'type=sha,prefix=sha-,format=short',
    ]) {
      expect(tags).toContain(rule);
    }
    const attest = steps(docker)
      .map((s) => s.run ?? '')
      .join('\n');
    expect(attest).toContain('cosign attest --yes --type slsaprovenance');
    expect(attest).toContain('cosign attest --yes --type spdxjson');
    expect(docker.jobs.image.permissions).toMatchObject({ 'id-token': 'write', packages: 'write' });
  });

  it('release.yml publishes to npm with provenance on a release tag', () => {
    const release = workflow('release.yml');
    expect(release.on.push.tags).toEqual(['v*.*.*']);
    expect(release.jobs.npm.permissions).toMatchObject({ 'id-token': 'write' });
    const runs = steps(release).map((s) => s.run ?? '');
    expect(runs).toContain('npm publish --provenance --access public');
    expect(runs).toContain('bash scripts/test-npm-package.sh');
  });

  it('docs/deployment.md documents every tag the image workflow pushes', () => {
    const doc = repoFile('docs/deployment.md');
    for (const tag of [
      '`0.1.0`',
      '`0.1`',
      '`latest`',
      '`main`',
      '`sha-<short>`',
      'linux/arm64',
      'cosign verify-attestation',
    ]) {
      expect(doc).toContain(tag);
    }
  });

  it('the Helm chart and the Kubernetes examples deploy an immutable semver tag', () => {
    const appVersion = String(parseYaml(repoFile('helm/recotem/Chart.yaml')).appVersion);
    expect(appVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(appVersion).toBe(JSON.parse(repoFile('package.json')).version);
    for (const f of ['serve-deployment.yaml', 'cronjob.yaml']) {
      const images = [...repoFile(`examples/k8s/${f}`).matchAll(/image:\s*(\S+)/g)].map((m) => m[1]);
      expect(images.length, f).toBeGreaterThan(0);
      for (const image of images) expect(image, f).toMatch(/^ghcr\.io\/codelibs\/recotem-ts:\d+\.\d+\.\d+$/);
    }
  });
});
