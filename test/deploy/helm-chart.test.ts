import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CHART_DIR, findKind, type Manifest, one, renderChart } from './chart.js';
import { RenderFailure } from './gotemplate/funcs.js';
import {
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

const chart = parseYaml(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8'));

/** Every optional feature on at once. */
const FULL = {
  train: { enabled: true, recipeFiles: ['purchases.yaml', 'views.yaml'] },
  ingress: { enabled: true, className: 'nginx', hosts: [{ host: 'recs.example.org', paths: [{ path: '/' }] }] },
  pdb: { enabled: true },
  hpa: { enabled: true, targetMemoryUtilizationPercentage: 80 },
  metrics: { enabled: true },
  artifacts: { enabled: true },
  recipes: { configMap: { managed: true, data: { 'purchases.yaml': 'name: purchases\n' } } },
  networkPolicy: { ingressFromPodSelector: { app: 'shop-frontend' }, kubeletCIDRs: ['10.0.0.0/16'] },
};

function serveContainer(m: Manifest): Manifest {
  return podSpec(m).containers.find((c: Manifest) => c.name === 'serve');
}

function trainContainer(m: Manifest): Manifest {
  return podSpec(m).containers.find((c: Manifest) => c.name === 'train');
}

describe('helm chart: rendering', () => {
  it('renders the serve objects with default values, each with apiVersion, kind and name', () => {
    const r = renderChart();
    expect(r.all.map((m) => m.kind).sort()).toEqual(['Deployment', 'NetworkPolicy', 'Service', 'ServiceAccount']);
    for (const m of r.all) {
      expect(m.apiVersion, m.kind).toBeTruthy();
      expect(m.metadata.name, m.kind).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    expect(r.notes).toContain('/v1/health/details');
  });

  it('renders every optional object when all features are on', () => {
    const r = renderChart(FULL);
    const kinds = r.all.map((m) => `${m.kind}/${m.metadata.name}`).sort();
    expect(kinds).toEqual([
      'ConfigMap/recotem-recipes',
      'CronJob/shop-recotem-train',
      'Deployment/shop-recotem',
      'HorizontalPodAutoscaler/shop-recotem',
      'Ingress/shop-recotem',
      'NetworkPolicy/shop-recotem-serve',
      'NetworkPolicy/shop-recotem-train',
      'PodDisruptionBudget/shop-recotem',
      'Service/shop-recotem',
      'ServiceAccount/shop-recotem',
    ]);
    expect(one(r, 'ConfigMap').data).toEqual({ 'purchases.yaml': 'name: purchases\n' });
    expect(one(r, 'Ingress').spec.rules[0].http.paths[0].backend.service).toEqual({
      name: 'shop-recotem',
      port: { name: 'http' },
    });
  });

  it('uses the release name alone when it already contains the chart name', () => {
    const r = renderChart({}, { releaseName: 'recotem' });
    expect(one(r, 'Deployment').metadata.name).toBe('recotem');
  });
});

describe('helm chart: probes and ports', () => {
  it('probes /health on port http with Host: localhost; liveness tolerates unloaded recipes', () => {
    const c = serveContainer(one(renderChart(), 'Deployment'));
    expectHealthHttpProbe(c.startupProbe);
    expectHealthHttpProbe(c.readinessProbe);
    expect(c.livenessProbe.exec.command).toEqual(['node', '/opt/recotem/scripts/healthcheck.mjs', '--live']);
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBeGreaterThanOrEqual(120);
    expectPortConsistency(c);
    // The liveness script lives where the image puts it.
    const dockerfile = readFileSync(join(CHART_DIR, '../../Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/COPY .*scripts\/healthcheck\.mjs \.\/scripts\/healthcheck\.mjs/);
    expect(dockerfile).toMatch(/WORKDIR \/opt\/recotem/);
  });

  it('derives RECOTEM_PORT from service.targetPort and refuses a conflicting env value', () => {
    const c = serveContainer(one(renderChart({ service: { targetPort: 9090 } }), 'Deployment'));
    expect(c.ports[0]).toEqual({ name: 'http', containerPort: 9090, protocol: 'TCP' });
    expectPortConsistency(c);
    expect(() => renderChart({ env: { RECOTEM_PORT: '8081' } })).toThrow(/RECOTEM_PORT differs/);
  });

  it('keeps args (not command) so the image entrypoint stays PID 1', () => {
    const c = serveContainer(one(renderChart(), 'Deployment'));
    expect(c.command).toBeUndefined();
    expect(c.args).toEqual(['serve', '--recipes', '/recipes']);
  });

  it('refuses a grace period shorter than preStop + drain + 5 s', () => {
    expect(() => renderChart({ terminationGracePeriodSeconds: 30 })).toThrow(RenderFailure);
    expect(() => renderChart({ terminationGracePeriodSeconds: 69, env: { RECOTEM_DRAIN_SECONDS: '60' } })).toThrow(
      /at least preStopSleepSeconds \+ RECOTEM_DRAIN_SECONDS \+ 5 = 70/,
    );
    const d = one(
      renderChart({ terminationGracePeriodSeconds: 70, env: { RECOTEM_DRAIN_SECONDS: '60' } }),
      'Deployment',
    );
    expect(podSpec(d).terminationGracePeriodSeconds).toBe(70);
    expect(serveContainer(d).lifecycle.preStop.exec.command).toEqual(['/bin/sh', '-c', 'sleep 5']);
  });
});

describe('helm chart: serve and train pods never share selectors', () => {
  it('serve selectors carry component=serve and never match the train pods', () => {
    const r = renderChart(FULL);
    const deployment = one(r, 'Deployment');
    const cron = one(r, 'CronJob');
    const servePod = podLabels(deployment);
    const trainPod = podLabels(cron);
    const selectors: [string, Record<string, string>][] = [
      ['Deployment', deployment.spec.selector.matchLabels],
      ['Service', one(r, 'Service').spec.selector],
      ['PodDisruptionBudget', one(r, 'PodDisruptionBudget').spec.selector.matchLabels],
      ['NetworkPolicy serve', one(r, 'NetworkPolicy', '-serve').spec.podSelector.matchLabels],
      ['topologySpread', podSpec(deployment).topologySpreadConstraints[0].labelSelector.matchLabels],
    ];
    for (const [what, sel] of selectors) {
      expect(sel['app.kubernetes.io/component'], what).toBe('serve');
      expect(matches(sel, servePod), `${what} selects serve pods`).toBe(true);
      expect(matches(sel, trainPod), `${what} must not select train pods`).toBe(false);
    }
    const trainPolicy = one(r, 'NetworkPolicy', '-train').spec.podSelector.matchLabels;
    expect(matches(trainPolicy, trainPod)).toBe(true);
    expect(matches(trainPolicy, servePod)).toBe(false);
    expect(trainPod['app.kubernetes.io/component']).toBe('train');
  });
});

describe('helm chart: image and security', () => {
  it('pins every container to the chart appVersion, never latest', () => {
    const r = renderChart(FULL);
    expect(chart.appVersion).toBe('0.1.0');
    for (const m of [one(r, 'Deployment'), one(r, 'CronJob')]) {
      for (const c of podSpec(m).containers)
        expectPinnedImage(c.image, 'ghcr.io/codelibs/recotem-ts', chart.appVersion);
    }
    expect(() => renderChart({ image: { tag: 'latest' } })).toThrow(/latest/);
    const digest = `sha256:${'a'.repeat(64)}`;
    const pinned = serveContainer(one(renderChart({ image: { digest } }), 'Deployment'));
    expect(pinned.image).toBe(`ghcr.io/codelibs/recotem-ts@${digest}`);
  });

  it('runs serve and train as uid 1000 with a read-only root and scratch emptyDirs', () => {
    const r = renderChart(FULL);
    for (const m of [one(r, 'Deployment'), one(r, 'CronJob')]) {
      expectHardened(m);
      expectScratchDirs(m);
    }
    expect(one(r, 'ServiceAccount').automountServiceAccountToken).toBe(false);
  });

  it('mounts the artifacts claim read-only for serve and read-write for train', () => {
    const r = renderChart(FULL);
    const mount = (c: Manifest) => c.volumeMounts.find((v: Manifest) => v.name === 'artifacts');
    expect(mount(serveContainer(one(r, 'Deployment')))).toMatchObject({ mountPath: '/artifacts', readOnly: true });
    expect(mount(trainContainer(one(r, 'CronJob')))).toMatchObject({ mountPath: '/artifacts', readOnly: false });
    expect(envOf(trainContainer(one(r, 'CronJob'))).get('RECOTEM_ARTIFACT_ROOT')?.value).toBe('/artifacts');
  });
});

describe('helm chart: environment', () => {
  it('renders non-empty env values, secrets by reference, and the metrics switch', () => {
    const plain = envOf(serveContainer(one(renderChart(), 'Deployment')));
    expect(plain.get('RECOTEM_HOST')?.value).toBe('0.0.0.0');
    expect(plain.get('RECOTEM_DRAIN_SECONDS')?.value).toBe('30');
    expect(plain.has('RECOTEM_MAX_ARTIFACT_BYTES')).toBe(false);
    expect(plain.has('RECOTEM_ALLOWED_ORIGINS')).toBe(false);
    expect(plain.has('RECOTEM_METRICS_ENABLED')).toBe(false);
    expect(plain.get('RECOTEM_API_KEYS')?.valueFrom.secretKeyRef).toEqual({
      name: 'recotem-auth',
      key: 'RECOTEM_API_KEYS',
    });
    expect(plain.get('RECOTEM_SIGNING_KEYS')?.valueFrom.secretKeyRef.key).toBe('RECOTEM_SIGNING_KEYS');
    const withMetrics = envOf(serveContainer(one(renderChart({ metrics: { enabled: true } }), 'Deployment')));
    expect(withMetrics.get('RECOTEM_METRICS_ENABLED')?.value).toBe('true');
  });

  it('admits localhost (probes), the Service names and the ingress hosts in RECOTEM_ALLOWED_HOSTS', () => {
    const hosts = (over: object) =>
      envOf(serveContainer(one(renderChart(over), 'Deployment')))
        .get('RECOTEM_ALLOWED_HOSTS')
        ?.value.split(',');
    expect(hosts({})).toEqual([
      'localhost',
      '127.0.0.1',
      'shop-recotem',
      'shop-recotem.recsys',
      'shop-recotem.recsys.svc',
      'shop-recotem.recsys.svc.cluster.local',
    ]);
    expect(hosts(FULL)).toContain('recs.example.org');
    expect(hosts({ env: { RECOTEM_ALLOWED_HOSTS: 'api.example.org, localhost' } })).toEqual([
      'localhost',
      'api.example.org',
    ]);
  });

  it('rolls the pods when a chart-managed recipe ConfigMap changes', () => {
    const checksum = (data: object) =>
      one(renderChart({ recipes: { configMap: { managed: true, data } } }), 'Deployment').spec.template.metadata
        .annotations['checksum/recipes-configmap'];
    expect(checksum({ 'a.yaml': 'name: a\n' })).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum({ 'a.yaml': 'name: a\n' })).not.toBe(checksum({ 'a.yaml': 'name: b\n' }));
  });
});

describe('helm chart: recipes sources', () => {
  it('mounts a PVC, or fills an emptyDir through the sync-recipes init container', () => {
    const pvc = podSpec(one(renderChart({ recipes: { source: 'pvc' } }), 'Deployment'));
    expect(pvc.volumes.find((v: Manifest) => v.name === 'recipes').persistentVolumeClaim).toEqual({
      claimName: 'recotem-recipes',
      readOnly: true,
    });
    const init = { image: 'registry.example.org/sync:1.2.3', command: ['sync', '/recipes'] };
    const r = renderChart({
      train: { enabled: true },
      recipes: { source: 'objectStore', objectStore: { initContainer: init } },
    });
    for (const m of [one(r, 'Deployment'), one(r, 'CronJob')]) {
      const spec = podSpec(m);
      expect(spec.volumes.find((v: Manifest) => v.name === 'recipes').emptyDir).toEqual({});
      expect(spec.initContainers).toHaveLength(1);
      expect(spec.initContainers[0]).toMatchObject({ name: 'sync-recipes', ...init });
      expect(spec.initContainers[0].volumeMounts).toContainEqual({ name: 'recipes', mountPath: '/recipes' });
      expectHardened(m);
    }
  });

  it('fails rendering for an unknown source or an objectStore without init container', () => {
    expect(() => renderChart({ recipes: { source: 's3' } })).toThrow(/recipes.source must be/);
    expect(() => renderChart({ recipes: { source: 'objectStore' } })).toThrow(/initContainer is required/);
  });
});

describe('helm chart: availability objects', () => {
  it('PDB defaults to minAvailable 1, accepts maxUnavailable alone, refuses both', () => {
    expect(one(renderChart({ pdb: { enabled: true } }), 'PodDisruptionBudget').spec).toMatchObject({ minAvailable: 1 });
    const onlyMax = one(renderChart({ pdb: { enabled: true, maxUnavailable: 1 } }), 'PodDisruptionBudget').spec;
    expect(onlyMax.maxUnavailable).toBe(1);
    expect(onlyMax).not.toHaveProperty('minAvailable');
    const percent = one(renderChart({ pdb: { enabled: true, maxUnavailable: '50%' } }), 'PodDisruptionBudget').spec;
    expect(percent.maxUnavailable).toBe('50%');
    expect(() => renderChart({ pdb: { enabled: true, minAvailable: 1, maxUnavailable: 1 } })).toThrow(/not both/);
  });

  it('leaves replicas to the HPA when it is enabled and rolls with maxUnavailable 0', () => {
    const r = renderChart({ hpa: { enabled: true } });
    const d = one(r, 'Deployment');
    expect(d.spec).not.toHaveProperty('replicas');
    expect(one(r, 'HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: d.metadata.name,
    });
    const plain = one(renderChart(), 'Deployment').spec;
    expect(plain.replicas).toBe(2);
    expect(plain.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  it('network policies: serve ingress on http only, trainer egress to the configured database ports', () => {
    const r = renderChart(FULL);
    const serve = one(r, 'NetworkPolicy', '-serve').spec;
    expect(serve.policyTypes).toEqual(['Ingress', 'Egress']);
    for (const rule of serve.ingress) expect(rule.ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
    expect(serve.ingress[0].from).toEqual([{ podSelector: { matchLabels: { app: 'shop-frontend' } } }]);
    expect(serve.ingress[1].from).toEqual([{ ipBlock: { cidr: '10.0.0.0/16' } }]);
    const train = one(r, 'NetworkPolicy', '-train').spec;
    expect(train.ingress).toEqual([]);
    const ports = train.egress.flatMap((e: Manifest) => e.ports.map((p: Manifest) => p.port));
    expect(ports).toEqual(expect.arrayContaining([53, 443, 5432, 3306]));
    const custom = renderChart({
      train: { enabled: true },
      networkPolicy: { train: { egressPorts: [{ port: 1521, protocol: 'TCP' }] } },
    });
    const customPorts = one(custom, 'NetworkPolicy', '-train').spec.egress.flatMap((e: Manifest) =>
      e.ports.map((p: Manifest) => p.port),
    );
    expect(customPorts).toEqual([53, 53, 1521]);
    const denyAll = one(renderChart({ networkPolicy: { allowKubeletProbes: false } }), 'NetworkPolicy').spec;
    expect(denyAll.ingress).toEqual([]);
    expect(findKind(renderChart({ networkPolicy: { enabled: false } }), 'NetworkPolicy')).toEqual([]);
  });
});
