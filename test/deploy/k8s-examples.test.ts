import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR, type Manifest, REPO_ROOT } from './chart.js';
import {
  BASHISMS,
  envOf,
  expectHardened,
  expectHealthHttpProbe,
  expectPinnedImage,
  expectPortConsistency,
  expectScratchDirs,
  matches,
  podLabels,
  podSpec,
} from './k8s-checks.js';

const DIR = join(REPO_ROOT, 'examples/k8s');

function load(): Manifest[] {
  const out: Manifest[] = [];
  for (const f of readdirSync(DIR).filter((n) => n.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(DIR, f), 'utf8'))) {
      expect(doc.errors, f).toEqual([]);
      out.push(doc.toJS() as Manifest);
    }
  }
  return out;
}

const manifests = load();
const byKind = (kind: string) => {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0];
};
const deployment = byKind('Deployment');
const cron = byKind('CronJob');
const serve = podSpec(deployment).containers[0];
const train = podSpec(cron).containers[0];

describe('examples/k8s', () => {
  it('puts every object in namespace recotem with a name', () => {
    for (const m of manifests) {
      expect(m.apiVersion, m.kind).toBeTruthy();
      expect(m.metadata.name, m.kind).toBeTruthy();
      if (m.kind !== 'Namespace') expect(m.metadata.namespace, m.kind).toBe('recotem');
    }
    expect(byKind('Namespace').metadata.name).toBe('recotem');
    const sa = byKind('ServiceAccount').metadata.name;
    expect(podSpec(deployment).serviceAccountName).toBe(sa);
    expect(podSpec(cron).serviceAccountName).toBe(sa);
  });

  it('probes /health on port http with Host: localhost; liveness runs the --live check', () => {
    expectHealthHttpProbe(serve.startupProbe);
    expectHealthHttpProbe(serve.readinessProbe);
    expect(serve.livenessProbe.exec.command).toEqual(['node', '/opt/recotem/scripts/healthcheck.mjs', '--live']);
    expectPortConsistency(serve);
    expect(envOf(serve).get('RECOTEM_ALLOWED_HOSTS')?.value.split(',')[0]).toBe('localhost');
  });

  it('pins the image and hardens both pods', () => {
    for (const m of [deployment, cron]) {
      for (const c of podSpec(m).containers) expectPinnedImage(c.image, 'ghcr.io/codelibs/recotem-ts', '0.1.0');
      expectHardened(m);
      expectScratchDirs(m);
    }
    expect(serve.args).toEqual(['serve', '--recipes', '/recipes']);
  });

  it('selects serve pods only: the Service and the Deployment never match train pods', () => {
    const service = byKind('Service');
    for (const sel of [service.spec.selector, deployment.spec.selector.matchLabels]) {
      expect(sel['app.kubernetes.io/component']).toBe('serve');
      expect(matches(sel, podLabels(deployment))).toBe(true);
      expect(matches(sel, podLabels(cron))).toBe(false);
    }
    expect(service.spec.ports[0].targetPort).toBe('http');
  });

  it('leaves time for the drain: grace >= preStop + RECOTEM_DRAIN_SECONDS + 5', () => {
    const preStop = Number(/sleep (\d+)/.exec(serve.lifecycle.preStop.exec.command.join(' '))?.[1]);
    const drain = Number(envOf(serve).get('RECOTEM_DRAIN_SECONDS')?.value);
    expect(podSpec(deployment).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStop + drain + 5);
  });

  it('trains with the chart script under /bin/sh, failing fast on codes a retry cannot fix', () => {
    expect(train.command).toEqual(['/usr/bin/tini', '-g', '--', '/bin/sh', '-c']);
    expect(train.args[0]).toBe(readFileSync(join(CHART_DIR, 'files/train-all.sh'), 'utf8'));
    for (const pattern of BASHISMS) expect(train.args[0], String(pattern)).not.toMatch(pattern);
    const job = cron.spec.jobTemplate.spec;
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    expect(job.backoffLimit).toBe(2);
    expect(job.podFailurePolicy.rules[0].onExitCodes.values).toEqual([2, 3, 5, 8, 9]);
    expect(podSpec(cron).restartPolicy).toBe('Never');
    const artifacts = (c: Manifest) => c.volumeMounts.find((v: Manifest) => v.name === 'artifacts');
    expect(artifacts(train).readOnly ?? false).toBe(false);
    expect(artifacts(serve).readOnly).toBe(true);
  });

  it('README documents every exit code of the retry table', () => {
    const readme = readFileSync(join(DIR, 'README.md'), 'utf8');
    for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
      expect(readme).toMatch(new RegExp(`^\\|\\s*${code}\\s*\\|`, 'm'));
  });
});
