/**
 * The operator console in a real browser: Chromium (Debian's package) driven by playwright-core
 * against a real `recotem serve` stack over HTTP, with signed artifacts, item metadata and the
 * artifact watcher. Screenshots of each page go to test-artifacts/console/ (not committed).
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/serve/index.js';
import { buildArtifact, TEST_KEY_RING } from '../helpers/artifacts.js';
import { API_KEY, keyEntries } from '../serve/helpers/app.js';
import { csvOnlyLookup } from '../serve/helpers/recipes.js';
import { bumpMtime } from '../serve/helpers/server.js';
import { consoleBuildDir, consoleGzipBytes } from './build.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(process.cwd(), 'test-artifacts', 'console');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const ITEMS = ['i1', 'i2', 'i3', 'i4', 'i5', 'i6'];
const USERS = ['u1', 'u2', 'u3'];
const METADATA_CSV = `item_id,title,category\n${ITEMS.map((id, i) => `${id},Title of ${id},${i % 2 === 0 ? 'garden' : 'kitchen'}`).join('\n')}\n`;

/** A small search summary as the trainer writes it. */
const SEARCH_SUMMARY = {
  started_at: '2026-05-07T01:00:00.000Z',
  n_trials: 6,
  truncated: false,
  trials: [0.1, 0.15, 0.12, 0.2, 0.05, 0.22].map((score, n) => ({
    n,
    algorithm: n % 2 === 0 ? 'IALSRecommender' : 'TopPopRecommender',
    state: 'COMPLETE',
    score,
    t: n * 1.5 + 1,
  })),
  algorithms: [
    {
      algorithm: 'IALSRecommender',
      completed: 3,
      other: 0,
      best_score: 0.12,
      best_trial: 2,
      best_params: { reg: 0.01 },
    },
    { algorithm: 'TopPopRecommender', completed: 3, other: 0, best_score: 0.22, best_trial: 5, best_params: {} },
  ],
  split: { scheme: 'random', heldout_ratio: 0.1, search_users: 3, validation_users: 1 },
};

function artifact(itemFactors: number[]) {
  return buildArtifact({
    algorithm: 'IALSRecommender',
    userIds: USERS,
    itemIds: ITEMS,
    seen: [
      [0, 0],
      [1, 0],
      [1, 1],
    ],
    userFactors: USERS.map(() => [1]),
    itemFactors: itemFactors.map((f) => [f]),
    recipeName: 'shop',
    header: { search_summary: SEARCH_SUMMARY },
  });
}

/** Atomic like the trainer: write aside, rename over, then make sure the watcher sees a new mtime. */
async function publish(path: string, bytes: Uint8Array): Promise<void> {
  await writeFile(`${path}.tmp`, bytes);
  await rename(`${path}.tmp`, path);
  await bumpMtime(path);
}

let dir: string;
let app: FastifyInstance;
let base: string;
let browser: BrowserContext;
let page: Page;
const cspViolations: string[] = [];
const ACTIVE_TEXT = 'document.activeElement?.textContent';

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Serious or critical accessibility violations of the current page, as readable strings. */
async function axeViolations(): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  // Page-side code is given as text: this project's TypeScript has no DOM types.
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) })))`)) as {
    id: string;
    impact: string;
    targets: string[];
  }[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
}

beforeAll(async () => {
  const built = consoleBuildDir();
  dir = await mkdtemp(join(tmpdir(), 'recotem-console-e2e-'));
  await mkdir(SHOTS, { recursive: true });
  await writeFile(join(dir, 'items.csv'), METADATA_CSV);
  await writeFile(join(dir, 'shop.recotem'), artifact([6, 5, 4, 3, 2, 1]));
  await writeFile(
    join(dir, 'shop.yaml'),
    [
      'name: shop',
      'source: {type: csv, path: /tmp/interactions.csv}',
      'schema: {user_column: user_id, item_column: item_id}',
      'training: {algorithms: [IALS]}',
      `output: {path: ${JSON.stringify(join(dir, 'shop.recotem'))}}`,
      'item_metadata:',
      '  type: csv',
      `  path: ${JSON.stringify(join(dir, 'items.csv'))}`,
      '  fields: [title, category]',
      '  filterable: [category]',
      '',
    ].join('\n'),
  );
  app = await buildServer({
    settings: {
      apiKeys: keyEntries(['ops', API_KEY]),
      console: true,
      consoleDir: built,
      metricsEnabled: true,
      watchIntervalSeconds: 1,
    },
    recipesDir: dir,
    keyRing: TEST_KEY_RING,
    sourceRegistry: csvOnlyLookup,
    decodeMode: 'inline',
    watch: true,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  browser = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'recotem-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(10_000);
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('operator console in Chromium', () => {
  it('is small: the whole built console stays within 150 KB gzip', () => {
    expect(consoleGzipBytes()).toBeLessThan(150 * 1024);
  });

  it('rejects a wrong key and keeps nothing', async () => {
    const response = await page.goto(`${base}/console/`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(response?.headers()['x-frame-options']).toBe('DENY');
    await page.getByLabel('API key').fill('w'.repeat(43));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('rejected');
    const stored = await page.evaluate('[sessionStorage.length, localStorage.length]');
    expect(stored).toEqual([0, 0]);
    expect(await axeViolations()).toEqual([]);
    await shot('login-rejected');
  });

  it('signs in with the key (session storage only) and lists the models', async () => {
    await page.getByLabel('API key').fill(API_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Models' }).waitFor();
    const row = page.locator('tr[data-recipe="shop"]');
    await expect(row.textContent()).resolves.toMatch(/Loaded.*IALS.*0\.5000.*ndcg@10.*3 \/ 3 \/ 6/);
    const storage = (await page.evaluate(
      '({ session: Object.values({ ...sessionStorage }), local: localStorage.length, url: location.href })',
    )) as { session: string[]; local: number; url: string };
    expect(storage.session).toEqual([API_KEY]);
    expect(storage.local).toBe(0);
    expect(storage.url).not.toContain(API_KEY);
    // Keyboard: the first Tab lands on the skip link, the next ones walk the navigation.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(ACTIVE_TEXT)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(ACTIVE_TEXT)).toBe('Models');
    expect(await axeViolations()).toEqual([]);
    await shot('models');
  });

  it('opens a model: the search chart, the best configuration per algorithm, data and split', async () => {
    await page.getByRole('link', { name: 'shop' }).click();
    await page.getByRole('heading', { name: 'shop', level: 1 }).waitFor();
    await page.locator('.chart canvas').waitFor();
    await page.getByRole('heading', { name: 'Best configuration per algorithm' }).waitFor();
    const table = await page.locator('section', { has: page.locator('#best-heading') }).textContent();
    expect(table).toContain('TopPopRecommender');
    expect(table).toContain('reg = 0.01');
    expect(await page.locator('section', { has: page.locator('#split-heading') }).textContent()).toContain('random');
    expect(await axeViolations()).toEqual([]);
    await shot('model-detail');
  });

  it('runs a recommendation, filters by metadata, and asks for related items, showing titles', async () => {
    await page.getByRole('link', { name: 'Try this model' }).click();
    await page.getByRole('heading', { name: 'Try it' }).waitFor();
    await page.getByLabel('User id').fill('u1');
    await page.getByLabel('How many').fill('3');
    await page.getByRole('button', { name: 'Recommend' }).click();
    const results = page.locator('table.results tbody');
    await results.waitFor();
    // u1 saw i1; the ranking follows the item factors.
    await expect(results.locator('th').allTextContents()).resolves.toEqual(['i2', 'i3', 'i4']);
    expect(await results.textContent()).toContain('Title of i2');
    expect(await axeViolations()).toEqual([]);
    await shot('try-it');

    await page.getByRole('button', { name: 'Add a filter' }).click();
    await page.getByLabel('Value').fill('garden');
    await page.getByRole('button', { name: 'Recommend' }).click();
    await expect.poll(() => results.locator('th').first().textContent()).toBe('i3');
    await expect(results.locator('th').allTextContents()).resolves.toEqual(['i3', 'i5']);

    await page.getByRole('button', { name: 'Related to i3' }).click();
    await expect.poll(() => page.locator('#seeds').inputValue()).toBe('i3');
    await expect.poll(() => results.textContent()).not.toContain('i3');
    expect(await results.textContent()).toContain('Title of i5');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('try-it-phone');
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('shows traffic per recipe and verb from /v1/metrics, and the server health', async () => {
    await page.getByRole('link', { name: 'Traffic' }).click();
    await page.getByRole('heading', { name: 'Server health' }).waitFor();
    // Scrapes every 5 s since sign-in; the requests above appear once two scrapes straddle them.
    await page.getByRole('rowheader', { name: 'shop recommend', exact: true }).waitFor({ timeout: 15_000 });
    expect(await page.locator('.health-list').textContent()).toContain('shop');
    expect(await axeViolations()).toEqual([]);
    await shot('traffic');
  });

  it('shows a hot swap without a reload', async () => {
    await page.getByRole('link', { name: 'Models' }).click();
    const row = page.locator('tr[data-recipe="shop"]');
    await expect(row.textContent()).resolves.toContain('none since start');
    const before = await row.locator('code.version').getAttribute('title');
    await page.evaluate(`window.marker = 'same page'`);
    await publish(join(dir, 'shop.recotem'), artifact([1, 2, 3, 4, 5, 6]));
    // The Models page polls every 3 s and the watcher every second: well within the wait.
    await expect
      .poll(() => row.locator('code.version').getAttribute('title'), { timeout: 15_000, interval: 250 })
      .not.toBe(before);
    await expect(row.locator('td.swap').textContent()).resolves.toContain('(1×)');
    expect(await page.evaluate('window.marker')).toBe('same page');
    await shot('models-after-swap');
    expect(cspViolations).toEqual([]);
  });
});
