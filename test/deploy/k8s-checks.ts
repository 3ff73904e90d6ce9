/** Shared assertions over Kubernetes manifests, used by the Helm chart and plain-manifest tests. */
import { expect } from 'vitest';
import type { Manifest } from './chart.js';

export function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** Pod spec of a Deployment or a CronJob. */
export function podSpec(m: Manifest): Manifest {
  if (m.kind === 'Deployment') return m.spec.template.spec;
  if (m.kind === 'CronJob') return m.spec.jobTemplate.spec.template.spec;
  throw new Error(`no pod spec in ${m.kind}`);
}

export function podLabels(m: Manifest): Record<string, string> {
  if (m.kind === 'Deployment') return m.spec.template.metadata.labels;
  if (m.kind === 'CronJob') return m.spec.jobTemplate.spec.template.metadata.labels;
  throw new Error(`no pod labels in ${m.kind}`);
}

export function envOf(container: Manifest): Map<string, Manifest> {
  return new Map((container.env ?? []).map((e: Manifest) => [e.name, e]));
}

export function expectPinnedImage(image: string, repository: string, version: string): void {
  expect(image).toBe(`${repository}:${version}`);
  expect(image).not.toMatch(/:latest$/);
}

/** Non-root uid/gid 1000, read-only root, no privilege escalation, no capabilities. */
export function expectHardened(m: Manifest): void {
  const spec = podSpec(m);
  expect(spec.securityContext.runAsNonRoot).toBe(true);
  expect(spec.securityContext.runAsUser).toBe(1000);
  expect(spec.securityContext.runAsGroup).toBe(1000);
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
    const sc = c.securityContext;
    expect(sc, c.name).toBeDefined();
    expect(sc.readOnlyRootFilesystem, c.name).toBe(true);
    expect(sc.allowPrivilegeEscalation, c.name).toBe(false);
    expect(sc.capabilities.drop, c.name).toEqual(['ALL']);
    if (sc.runAsUser !== undefined) expect(sc.runAsUser).toBe(1000);
  }
  expect(spec.automountServiceAccountToken).toBe(false);
  expect(spec.enableServiceLinks).toBe(false);
}

/** /tmp and /workspace are emptyDirs: the only writable places besides mounted volumes. */
export function expectScratchDirs(m: Manifest): void {
  const spec = podSpec(m);
  const volumes = new Map(spec.volumes.map((v: Manifest) => [v.name, v]));
  for (const c of spec.containers) {
    const mounts = new Map(c.volumeMounts.map((vm: Manifest) => [vm.mountPath, vm.name]));
    for (const path of ['/tmp', '/workspace']) {
      const name = mounts.get(path);
      expect(name, `${c.name} mounts ${path}`).toBeDefined();
      expect((volumes.get(name) as Manifest).emptyDir, `${path} is an emptyDir`).toEqual({});
    }
  }
}

/** Startup/readiness GET /health on port "http" with Host: localhost. */
export function expectHealthHttpProbe(probe: Manifest | undefined): void {
  expect(probe).toBeDefined();
  const get = (probe as Manifest).httpGet;
  expect(get.path).toBe('/health');
  expect(get.port).toBe('http');
  expect(get.httpHeaders).toContainEqual({ name: 'Host', value: 'localhost' });
}

/** The container port named http is the one RECOTEM_PORT makes the server listen on. */
export function expectPortConsistency(container: Manifest): void {
  const http = container.ports.find((p: Manifest) => p.name === 'http');
  expect(http).toBeDefined();
  expect(envOf(container).get('RECOTEM_PORT')?.value).toBe(String(http.containerPort));
}

/** Words a POSIX sh (dash) does not have. */
export const BASHISMS: RegExp[] = [
  /\bread\s+-[a-z]*a/,
  /<<</,
  /\[\[/,
  /\bfunction\s+\w+/,
  /\$\{[A-Za-z_]+\[/,
  /\bdeclare\b/,
  /\blocal\s+-/,
  /\bset\s+-[a-z]*o\s+pipefail/,
  /\$\(\(\s*\w+\s*\+\+/,
  /&>/,
];
