/**
 * The signing-key leak through `/v1/health/details`, attacked on a real `recotem serve` process:
 * recipes point their item metadata and artifacts at `/proc/self/environ` (the server's own
 * environment, signing keys included), `/etc/passwd`, `/dev/zero`, a FIFO nobody writes to, a
 * one-line secret file and a table whose column name is a key. Three layers must hold: such paths
 * are refused before they are read (regular files only, never /proc, /sys, /dev); messages never
 * quote file contents; and every error string that leaves the process (health details, metric
 * labels) gets the same redaction as the logs.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArtifact } from '../helpers/artifacts.js';
import { registerSecret } from '../helpers/secrets.js';
import { writeRecipe } from '../serve/helpers/recipes.js';
import { tempDir } from '../serve/helpers/server.js';
import { type ServeChild, startServeChild } from './helpers/serve-child.js';

let root: { dir: string; cleanup: () => Promise<void> };
let server: ServeChild;
/** A 64-hex column name: a key pasted into a CSV header, quoted back by the old message. */
const headerKey = registerSecret(randomBytes(32).toString('hex'), 'key in a metadata header');
/** A one-line secret file (like a mounted Kubernetes secret). */
const fileSecret = registerSecret(`hunter2-${randomBytes(12).toString('hex')}`, 'one-line secret file');
/** A recipe name the log redaction would scrub (43 base64url characters). */
const b64Name = `n${'A'.repeat(45)}`;

type Details = { status: string; recipes: Record<string, { loaded: boolean; error?: string }> };
let details: Details;
let detailsText: string;

beforeAll(async () => {
  root = await tempDir('recotem-data-paths-');
  const recipes = join(root.dir, 'recipes');
  const models = join(root.dir, 'models');
  mkdirSync(recipes);
  mkdirSync(models);
  const fifo = join(root.dir, 'metadata.fifo');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const secretFile = join(root.dir, 'db-password');
  writeFileSync(secretFile, `${fileSecret}\n`);
  const keyHeader = join(root.dir, 'key-header.csv');
  writeFileSync(keyHeader, `item,${headerKey}\ni1,x\n`);

  /** A recipe with a good artifact of its own and item metadata at `path`. */
  const withMetadata = async (name: string, path: string) => {
    const artifactPath = join(models, `${name}.recotem`);
    writeFileSync(artifactPath, buildArtifact({ recipeName: name }));
    await writeRecipe(recipes, `${name}.yaml`, name, { artifactPath, metadata: { path, fields: ['title'] } });
  };
  await withMetadata('environ', '/proc/self/environ');
  await withMetadata('devzero', '/dev/zero');
  await withMetadata('fifo', fifo);
  await withMetadata('secret', secretFile);
  await withMetadata('keyheader', keyHeader);
  await writeRecipe(recipes, 'passwd.yaml', 'passwd', { artifactPath: '/etc/passwd' });
  await writeRecipe(recipes, 'envartifact.yaml', 'envartifact', { artifactPath: '/proc/self/environ' });
  await writeRecipe(recipes, 'fifoartifact.yaml', 'fifoartifact', { artifactPath: fifo });
  await writeRecipe(recipes, 'b64.yaml', b64Name, { artifactPath: '/proc/self/environ' });
  server = await startServeChild(recipes, { RECOTEM_METRICS_ENABLED: 'true' });
  const r = await fetch(`${server.origin}/v1/health/details`, { headers: { 'x-api-key': server.apiKey } });
  detailsText = await r.text();
  details = JSON.parse(detailsText) as Details;
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await root?.cleanup();
});

const errorOf = (name: string) => details.recipes[name]?.error ?? '';

describe('data paths must be regular files outside /proc, /sys and /dev', () => {
  it.each([
    ['environ', 'a file under /proc'],
    ['devzero', 'a character device'],
    ['fifo', 'a FIFO'],
  ])('item metadata at the %s path is refused as %s, and the model is not served', (name, what) => {
    expect(details.recipes[name].loaded).toBe(false);
    expect(errorOf(name)).toMatch(/^metadata load failed: /);
    expect(errorOf(name)).toContain(`not a regular file (${what})`);
  });

  it.each([
    ['envartifact', 'a file under /proc'],
    ['fifoartifact', 'a FIFO'],
  ])('an artifact at the %s path is refused as %s before any byte is read', (name, what) => {
    expect(details.recipes[name].loaded).toBe(false);
    expect(errorOf(name)).toMatch(/^read failed: /);
    expect(errorOf(name)).toContain(`not a regular file (${what})`);
  });

  it('the server stays responsive: a FIFO without a writer never blocked a load', async () => {
    const r = await fetch(`${server.origin}/v1/health`);
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({ status: 'degraded', total: 9 });
  });
});

describe('no key and no file contents leave the process', () => {
  it('the signing keys are nowhere in the health details', () => {
    expect(detailsText).not.toContain(server.stolenKeyHex);
    expect(detailsText).not.toContain(server.stolenKeyHex.slice(0, 16));
    expect(detailsText).not.toContain('RECOTEM_SIGNING_KEYS');
    expect(detailsText).not.toContain('abababab');
  });

  it('a non-artifact is named as such, without its leading bytes (root:x:0 was quoted as hex)', () => {
    expect(errorOf('passwd')).toMatch(/^parse failed: magic bytes mismatch.*not a Recotem artifact$/);
    expect(detailsText).not.toContain(Buffer.from('root').toString('hex'));
    expect(detailsText).not.toContain('root:');
  });

  it('a file that is not a table has its shape described, never its first line', () => {
    expect(errorOf('secret')).toContain('not shown (the file does not read as a table: 1 column, 0 data rows)');
    expect(detailsText).not.toContain('hunter2');
  });

  it('column names that are quoted still go through the log redaction', () => {
    expect(errorOf('keyheader')).toMatch(/available columns: \['\[REDACTED-HEX64\]', 'item'\]/);
    expect(detailsText).not.toContain(headerKey);
  });

  it('metric labels get the log redaction too', async () => {
    const r = await fetch(`${server.origin}/v1/metrics`, { headers: { 'x-api-key': server.apiKey } });
    const text = await r.text();
    expect(r.status).toBe(200);
    expect(text).toContain('recipe="[REDACTED-B64URL43]"');
    expect(text).not.toContain(b64Name);
  });

  it('the logs carry neither the key nor the contents', () => {
    const out = server.cli.stderr();
    expect(out).not.toContain(server.stolenKeyHex);
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain(headerKey);
  });
});
