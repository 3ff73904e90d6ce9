import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHART_DIR, type Manifest, one, renderChart } from './chart.js';
import { BASHISMS, envOf, podSpec } from './k8s-checks.js';
import { TrainSandbox } from './train-script.js';

function cronJob(train: object = {}): Manifest {
  return one(renderChart({ train: { enabled: true, ...train } }), 'CronJob');
}

function trainContainer(cron: Manifest): Manifest {
  return podSpec(cron).containers[0];
}

const sandbox = new TrainSandbox();
afterAll(() => sandbox.dispose());

describe('helm chart: train CronJob', () => {
  it('forbids overlapping runs, retries twice and fails fast on codes a retry cannot fix', () => {
    const cron = cronJob();
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    expect(cron.spec.schedule).toBe('0 2 * * *');
    const job = cron.spec.jobTemplate.spec;
    expect(job.backoffLimit).toBe(2);
    expect(job.activeDeadlineSeconds).toBe(3600);
    expect(job.podFailurePolicy.rules[0]).toEqual({
      action: 'FailJob',
      onExitCodes: { containerName: 'train', operator: 'In', values: [2, 3, 5, 8, 9] },
    });
    expect(podSpec(cron).restartPolicy).toBe('Never');
    expect(cronJob({ backoffLimit: 5 }).spec.jobTemplate.spec.backoffLimit).toBe(5);
    expect(cronJob({ podFailurePolicy: false }).spec.jobTemplate.spec).not.toHaveProperty('podFailurePolicy');
    expect(cronJob({ timeZone: 'Etc/UTC' }).spec.timeZone).toBe('Etc/UTC');
  });

  it('runs the script from files/train-all.sh under tini -g and /bin/sh, recipes as arguments', () => {
    const c = trainContainer(cronJob({ recipeFiles: ['a.yaml', '/elsewhere/b.yaml'], failOnBusy: true }));
    expect(c.command).toEqual(['/usr/bin/tini', '-g', '--', '/bin/sh', '-c']);
    const script = readFileSync(join(CHART_DIR, 'files/train-all.sh'), 'utf8');
    expect(c.args[0]).toBe(script);
    expect(c.args.slice(1)).toEqual(['recotem-train', '/recipes/a.yaml', '/elsewhere/b.yaml']);
    const env = envOf(c);
    expect(env.get('TRAIN_FLAGS')?.value).toBe('--fail-on-busy');
    expect(env.get('RECIPES_DIR')?.value).toBe('/recipes');
    expect(env.get('RECOTEM_SIGNING_KEYS')?.valueFrom.secretKeyRef.key).toBe('RECOTEM_SIGNING_KEYS');
    expect(env.has('RECOTEM_API_KEYS')).toBe(false);
    const dockerfile = readFileSync(join(CHART_DIR, '../../Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/apt-get install .*\btini\b/);
  });

  it('accepts the legacy comma-separated recipeFiles string without any shell parsing', () => {
    const c = trainContainer(cronJob({ recipeFiles: 'a.yaml, b.yaml,,c.yaml ' }));
    expect(c.args.slice(1)).toEqual(['recotem-train', '/recipes/a.yaml', '/recipes/b.yaml', '/recipes/c.yaml']);
    expect(trainContainer(cronJob()).args).toHaveLength(2);
  });

  it('the script is POSIX sh: no bashisms, and dash accepts it', () => {
    const script = trainContainer(cronJob()).args[0] as string;
    for (const pattern of BASHISMS) expect(script, String(pattern)).not.toMatch(pattern);
    const check = spawnSync('/bin/sh', ['-n', '-c', script], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
  });
});

describe('helm chart: train script behaviour under /bin/sh', () => {
  const script = trainContainer(cronJob()).args[0] as string;

  it('trains every *.yaml in RECIPES_DIR when no recipe is listed, and exits 0', () => {
    const a = sandbox.recipe('a.yaml', 0);
    const b = sandbox.recipe('b.yaml', 0);
    const run = sandbox.run(script, []);
    expect(run.code).toBe(0);
    expect(run.trained).toEqual([a, b]);
  });

  it('keeps going after a failure and exits with the first retryable code', () => {
    const bad = sandbox.recipe('bad.yaml', 2);
    const flaky = sandbox.recipe('flaky.yaml', 7);
    const good = sandbox.recipe('good.yaml', 0);
    const run = sandbox.run(script, [bad, flaky, good], { TRAIN_FLAGS: '--fail-on-busy --quiet' });
    expect(run.trained).toEqual([bad, flaky, good]);
    expect(run.flags[0]).toEqual(['--fail-on-busy', '--quiet']);
    expect(run.code).toBe(7);
    expect(run.stderr).toContain(`${bad} failed with exit code 2`);
  });

  it('exits with the first failure code when no failure is retryable', () => {
    const recipeError = sandbox.recipe('r.yaml', 2);
    const configError = sandbox.recipe('c.yaml', 8);
    const run = sandbox.run(script, [recipeError, configError]);
    expect(run.trained).toEqual([recipeError, configError]);
    expect(run.code).toBe(2);
  });

  it('treats a signal death (OOM kill, 137) as retryable', () => {
    const gate = sandbox.recipe('gate.yaml', 9);
    const oom = sandbox.recipe('oom.yaml', 137);
    expect(sandbox.run(script, [gate, oom]).code).toBe(137);
  });

  it('reports a listed file that does not exist as exit 2 but still trains the others', () => {
    const good = sandbox.recipe('fine.yaml', 0);
    const run = sandbox.run(script, [join(sandbox.recipes, 'missing.yaml'), good]);
    expect(run.trained).toEqual([good]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('recipe file not found');
  });

  it('fails with exit 2 when the recipes directory has no recipe at all', () => {
    const empty = new TrainSandbox();
    try {
      const run = empty.run(script, []);
      expect(run.code).toBe(2);
      expect(run.trained).toEqual([]);
      expect(run.stderr).toContain('no *.yaml recipe');
    } finally {
      empty.dispose();
    }
  });
});
