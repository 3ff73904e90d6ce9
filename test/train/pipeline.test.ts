import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MODEL_FORMATS } from '../../src/algorithms/registry.js';
import { openArtifact, readArtifactBytes } from '../../src/artifact/index.js';
import { parseSigningKeyRing } from '../../src/config/index.js';
import { makeTrainWorkspace, type TrainWorkspace } from '../helpers/train-fixtures.js';

const ENTRY = join(import.meta.dirname, '../../src/cli/entry.ts');

function recotem(args: string[], env: NodeJS.ProcessEnv, timeout = 120_000) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], { env, encoding: 'utf8', timeout });
  const events = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, events };
}

const workspaces: TrainWorkspace[] = [];
function workspace(opts?: Parameters<typeof makeTrainWorkspace>[0]): TrainWorkspace {
  const ws = makeTrainWorkspace(opts);
  workspaces.push(ws);
  return ws;
}
afterEach(() => {
  for (const ws of workspaces.splice(0)) rmSync(ws.dir, { recursive: true, force: true });
});

describe('recotem train (end to end)', () => {
  it('trains, signs and writes an artifact that verifies, with the spec events in order', async () => {
    const ws = workspace();
    const r = recotem(['train', ws.recipePath], ws.env);
    expect(r.stderr).not.toContain('Training failed');
    expect(r.status).toBe(0);
    const names = r.events.map((e) => e.event);
    const order = [
      'recipe_loaded',
      'training_started',
      'fetching_data',
      'data_fetched',
      'data_cleansed',
      'splitting_data',
      'split_done',
      'search_started',
      'search_done',
      'training_final_model',
      'final_model_trained',
      'artifact_written',
      'train_done',
    ];
    const positions = order.map((n) => names.indexOf(n));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const done = r.events.find((e) => e.event === 'train_done') as Record<string, unknown>;
    expect(done).toMatchObject({
      name: 'shop',
      exit_code: 0,
      best_class: 'TopPopRecommender',
      kid: 'test-key',
      trials: 1,
    });
    expect(done.trained_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const { bytes } = await readArtifactBytes(ws.outputPath);
    const opened = openArtifact(bytes, {
      models: MODEL_FORMATS,
      keyRing: parseSigningKeyRing(ws.env.RECOTEM_SIGNING_KEYS as string),
    });
    expect(opened.header).toMatchObject({
      recipe_name: 'shop',
      best_class: 'TopPopRecommender',
      metric: 'ndcg',
      cutoff: 5,
      payload_format: 'rtpk/1',
      irspack_version: null,
    });
    expect(opened.header.data_stats).toMatchObject({ n_users: 60, dedup_policy: 'keep_last' });
    expect(opened.payload.userIds).toHaveLength(60);
    expect([...opened.payload.userIds]).toEqual([...opened.payload.userIds].sort());

    const inspect = recotem(['inspect', ws.outputPath], ws.env);
    expect(inspect.status).toBe(0);
    expect(inspect.stdout).toContain("HMAC: OK  (kid='test-key')");
  });

  it('append_sha writes the sha-suffixed artifact first and a pointer file at output.path', () => {
    const ws = workspace({ output: `  path: OUT\n  versioning: append_sha` });
    const recipe = readFileSync(ws.recipePath, 'utf8').replace('OUT', ws.outputPath);
    writeFileSync(ws.recipePath, recipe);
    const r = recotem(['train', ws.recipePath], ws.env);
    expect(r.status).toBe(0);
    const pointer = readFileSync(ws.outputPath, 'utf8');
    expect(pointer).toMatch(/^model\.[0-9a-f]{8}\.recotem\n$/);
    expect(existsSync(join(ws.dir, 'out', pointer.trim()))).toBe(true);
    const written = r.events.find((e) => e.event === 'artifact_written');
    expect(written).toMatchObject({ versioning: 'append_sha', pointer: ws.outputPath });
  });

  it('searches several algorithms and writes an HTML report', () => {
    const ws = workspace({
      training: `  algorithms: [IALS, TopPop, CosineKNN]
  n_trials: 6
  cutoff: 5
  split: {heldout_ratio: 0.25, seed: 3}`,
    });
    const report = join(ws.dir, 'report.html');
    const r = recotem(['train', ws.recipePath, '--report', report], ws.env);
    expect(r.stderr).not.toContain('Training failed');
    expect(r.status).toBe(0);
    const trials = r.events.filter((e) => e.event === 'trial_done');
    expect(trials).toHaveLength(6);
    expect(new Set(trials.map((t) => t.algorithm))).toEqual(
      new Set(['IALSRecommender', 'TopPopRecommender', 'CosineKNNRecommender']),
    );
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Training report: shop');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  it('refuses to start without signing keys (exit 8) before touching the data', () => {
    const ws = workspace();
    const env = { ...ws.env, RECOTEM_SIGNING_KEYS: '' };
    const r = recotem(['train', ws.recipePath], env);
    expect(r.status).toBe(8);
    expect(r.events.some((e) => e.event === 'fetching_data')).toBe(false);
    expect(r.events.find((e) => e.event === 'train_error')).toMatchObject({
      code: 'signing_key_missing',
      exit_code: 8,
    });
  });

  it('maps a missing data file to exit 3 and logs train_error once', () => {
    const ws = workspace();
    rmSync(ws.csv);
    const r = recotem(['train', ws.recipePath], ws.env);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('Training failed: ');
    const errors = r.events.filter((e) => e.event === 'train_error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'datasource_error', exit_code: 3, kid: 'test-key' });
    expect(existsSync(ws.outputPath)).toBe(false);
  });

  it('reports min-data violations with exit 4 and their numbers', () => {
    const ws = workspace({ extra: 'cleansing:\n  min_users: 1000\n' });
    const r = recotem(['train', ws.recipePath], ws.env);
    expect(r.status).toBe(4);
    expect(r.events.find((e) => e.event === 'train_error')).toMatchObject({
      code: 'min_data_violation',
      n_users: 60,
      min_users: 1000,
    });
  });

  it('rejects a cutoff larger than the catalogue with exit 4 before the search', () => {
    const ws = workspace({
      training: `  algorithms: [TopPop]\n  n_trials: 1\n  cutoff: 500\n  split: {heldout_ratio: 0.25, seed: 1}`,
    });
    const r = recotem(['train', ws.recipePath], ws.env);
    expect(r.status).toBe(4);
    expect(r.events.find((e) => e.event === 'train_error')).toMatchObject({ code: 'invalid_cutoff', exit_code: 4 });
    expect(r.events.some((e) => e.event === 'search_started')).toBe(false);
  });

  it('skips with exit 0 when the lock is held, or exits 6 with --fail-on-busy', async () => {
    const ws = workspace();
    const { acquireRecipeLock } = await import('../../src/train/lock.js');
    const held = await acquireRecipeLock(ws.outputPath, { timeoutSeconds: 0, failOnBusy: true });
    try {
      const skipped = recotem(['train', ws.recipePath], ws.env);
      expect(skipped.status).toBe(0);
      expect(skipped.events.some((e) => e.event === 'recipe_lock_contended_skipping')).toBe(true);
      expect(existsSync(ws.outputPath)).toBe(false);
      const busy = recotem(['train', ws.recipePath, '--fail-on-busy'], ws.env);
      expect(busy.status).toBe(6);
      const noLock = recotem(['train', ws.recipePath, '--no-lock'], ws.env);
      expect(noLock.status).toBe(0);
      expect(existsSync(ws.outputPath)).toBe(true);
    } finally {
      held?.release();
    }
  });

  it('leaves no temp files next to the artifact', () => {
    const ws = workspace();
    expect(recotem(['train', ws.recipePath], ws.env).status).toBe(0);
    expect(readdirSync(join(ws.dir, 'out')).sort()).toEqual(['model.recotem', 'model.recotem.lock']);
  });
});
