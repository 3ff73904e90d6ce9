/**
 * Fuzz target: request bodies (and paths, methods, content types, keys) of every endpoint, through
 * `buildServer(...).inject` over a real signed IALS artifact. Allowed: the documented statuses with
 * a JSON error envelope for 4xx from the API; never a 500, never a body that echoes the input.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { captureLogs } from '../../../src/log/index.js';
import { buildServer } from '../../../src/serve/index.js';
import { buildArtifact, TEST_KEY_RING } from '../../helpers/artifacts.js';
import { registerSecret } from '../../helpers/secrets.js';
import { keyEntries } from '../../serve/helpers/app.js';
import { csvOnlyLookup, writeRecipe } from '../../serve/helpers/recipes.js';
import type { FuzzTarget } from './runner.js';

const API_KEY = registerSecret('fuzz-key-'.padEnd(43, 'Q'), 'http fuzz API key');
const ALLOWED_STATUS = new Set([200, 307, 400, 401, 404, 405, 413, 415, 422, 503]);
const VERBS = [':recommend', ':recommend-related', ':batch-recommend', ':batch-recommend-related'];
const CANARY = 'Zz-canary-9137';

interface HttpInput {
  method: string;
  url: string;
  contentType: string | null;
  key: string | null;
  body: string;
  /** The Host header; an array sends it twice. Anything but one allowed host must get 400. */
  host: string | string[];
}

const GOOD_HOSTS = ['localhost', 'localhost:8080', '127.0.0.1', '127.0.0.1:1'];
const GOOD_HOST = /^(localhost|127\.0\.0\.1)(:([1-9]\d{0,4}))?$/i;
const host: fc.Arbitrary<string | string[]> = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(...GOOD_HOSTS) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'localhost:1@evil.example',
      'evil.example',
      'localhost:99999',
      'localhost:0',
      'localhost:abc',
      'localhost/x',
      'user@localhost',
      '[::1]',
    ),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...GOOD_HOSTS), fc.constantFrom('evil.example', 'localhost')) },
  { weight: 1, arbitrary: fc.stringMatching(/^[\x21-\x7e]{0,40}$/).filter((h) => !GOOD_HOST.test(h)) },
);

/** `{"user_id":"u1","k0":1,...}` with up to 40,000 unknown keys (either side of the 32,768 cap). */
const manyKeysBody = fc.integer({ min: 1, max: 40_000 }).map((n) => {
  const parts = ['"user_id":"u1"'];
  for (let i = 0; i < n; i++) parts.push(`"k${i}":1`);
  return `{${parts.join(',')}}`;
});
/** Filters keyed by names JavaScript objects treat specially (written as text: an object literal cannot hold them). */
const reservedFilterBody = fc
  .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'genre'), fc.constantFrom('u1', 'ghost'))
  .map(([field, user]) => `{"user_id":"${user}","filter":{"${field}":{"eq":"x"}}}`);

const id = fc.oneof(
  fc.constantFrom('u1', 'u2', 'u3', 'i1', 'i2', 'i5', 'ghost', CANARY, ''),
  fc.string({ maxLength: 300 }),
);
const scalar = fc.oneof(id, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const ids = fc.oneof(fc.array(id, { maxLength: 12 }), fc.array(scalar, { maxLength: 4 }), scalar);
const limit = fc.oneof(fc.integer({ min: -2, max: 1002 }), fc.double(), fc.string({ maxLength: 5 }), fc.constant(null));

const recommendBody = fc.record(
  {
    user_id: fc.oneof(id, scalar),
    limit,
    exclude_item_ids: ids,
    include_metadata: fc.oneof(fc.boolean(), scalar),
    extra_field: scalar,
  },
  { requiredKeys: [] },
);
const relatedBody = fc.record(
  { seed_item_ids: ids, limit, exclude_item_ids: ids, include_metadata: fc.oneof(fc.boolean(), scalar) },
  { requiredKeys: [] },
);
/** Mostly valid bodies, so a good share of cases reaches scoring and metadata joins. */
const validRecommend = fc.record(
  {
    user_id: fc.constantFrom('u1', 'u2', 'u3', 'ghost'),
    limit: fc.integer({ min: 1, max: 20 }),
    exclude_item_ids: fc.array(fc.constantFrom('i1', 'i2', 'i3', 'i4', 'i5', 'zz'), { maxLength: 5 }),
  },
  { requiredKeys: ['user_id'] },
);
const validRelated = fc.record(
  {
    seed_item_ids: fc.array(fc.constantFrom('i1', 'i2', 'i3', 'i4', 'i5', 'zz'), { minLength: 1, maxLength: 5 }),
    limit: fc.integer({ min: 1, max: 20 }),
  },
  { requiredKeys: ['seed_item_ids'] },
);
const element = fc.oneof(validRecommend, validRelated, recommendBody, relatedBody, scalar);
const batchBody = fc.record(
  { requests: fc.oneof(fc.array(element, { maxLength: 8 }), scalar), extra: scalar },
  { requiredKeys: [] },
);

const bodyText = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(validRecommend, validRelated).map((b) => JSON.stringify(b)) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.oneof(validRecommend, validRelated), { maxLength: 6 })
      .map((requests) => JSON.stringify({ requests })),
  },
  { weight: 4, arbitrary: fc.oneof(recommendBody, relatedBody, batchBody).map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', '[]', 'null', '{"user_id":"u1"', '\u0000', '{"a":1e999}') },
  { weight: 1, arbitrary: manyKeysBody },
  { weight: 1, arbitrary: reservedFilterBody },
);

const path = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...VERBS).map((v) => `/v1/recipes/demo${v}`) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.stringMatching(/^[A-Za-z0-9_%:.~-]{0,70}$/), fc.constantFrom('', ...VERBS, ':other', '%3Arecommend'))
      .map(([name, verb]) => `/v1/recipes/${name}${verb}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/v1/recipes',
      '/v1/recipes/demo',
      '/v1/health',
      '/v1/health/details',
      '/v1/metrics',
      '/nope',
    ),
  },
);

const randomInput: fc.Arbitrary<HttpInput> = fc.record({
  method: fc.oneof(
    { weight: 8, arbitrary: fc.constant('POST') },
    { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'HEAD') },
  ),
  url: fc.tuple(path, fc.constantFrom('', '?x=1', '?user_id=u1&limit=-1')).map(([p, q]) => p + q),
  contentType: fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        null,
        'text/plain',
        'application/json; charset=latin1',
        'application/x-www-form-urlencoded',
        'application/JSON',
      ),
    },
  ),
  key: fc.oneof(
    { weight: 8, arbitrary: fc.constant(API_KEY) },
    { weight: 1, arbitrary: fc.constantFrom(null, '', 'x'.repeat(40), `${API_KEY} `) },
  ),
  body: bodyText,
  host,
});

/** A verb with a body of its own shape (valid or nearly), authenticated: reaches the handlers. */
const matchedInput: fc.Arbitrary<HttpInput> = fc
  .oneof(
    fc.tuple(fc.constant(':recommend'), fc.oneof(validRecommend, recommendBody)),
    fc.tuple(fc.constant(':recommend-related'), fc.oneof(validRelated, relatedBody)),
    fc.tuple(
      fc.constant(':batch-recommend'),
      fc.array(fc.oneof(validRecommend, validRecommend, element), { maxLength: 8 }).map((requests) => ({ requests })),
    ),
    fc.tuple(
      fc.constant(':batch-recommend-related'),
      fc.array(fc.oneof(validRelated, validRelated, element), { maxLength: 8 }).map((requests) => ({ requests })),
    ),
  )
  .map(([verb, body]) => ({
    method: 'POST',
    url: `/v1/recipes/demo${verb}`,
    contentType: 'application/json',
    key: API_KEY,
    body: JSON.stringify(body),
    host: 'localhost',
  }));

const input = fc.oneof({ weight: 1, arbitrary: matchedInput }, { weight: 1, arbitrary: randomInput });

export const httpTarget: FuzzTarget = {
  name: 'http',
  summary: 'every endpoint through buildServer(...).inject with random bodies, paths, methods, types and keys',
  async setup() {
    const dir = await mkdtemp(join(tmpdir(), 'recotem-fuzz-http-'));
    await writeFile(join(dir, 'demo.recotem'), buildArtifact({ algorithm: 'IALSRecommender', recipeName: 'demo' }));
    await writeRecipe(dir, 'demo.yaml', 'demo', { artifactPath: join(dir, 'demo.recotem') });
    const logs = captureLogs();
    const app = await buildServer({
      settings: { apiKeys: keyEntries(['fuzz', API_KEY]), metricsEnabled: true },
      recipesDir: dir,
      keyRing: TEST_KEY_RING,
      sourceRegistry: csvOnlyLookup,
      decodeMode: 'inline',
    });
    return {
      arbitrary: input,
      async check(req: HttpInput) {
        logs.clear();
        const headers: Record<string, string> = {};
        if (req.contentType !== null) headers['content-type'] = req.contentType;
        if (req.key !== null) headers['x-api-key'] = req.key;
        // Light-my-request sends an array value as repeated header lines.
        headers.host = req.host as string;
        const bodyless = req.method === 'GET' || req.method === 'HEAD';
        const r = await app.inject({
          method: req.method as 'POST',
          url: req.url,
          headers,
          payload: bodyless ? undefined : req.body,
        });
        if (!ALLOWED_STATUS.has(r.statusCode)) throw new Error(`status ${r.statusCode}: ${r.body.slice(0, 300)}`);
        const goodHost = typeof req.host === 'string' && GOOD_HOST.test(req.host);
        if (!goodHost) {
          if (r.statusCode !== 400 || r.body !== 'Invalid host header') {
            throw new Error(`host ${JSON.stringify(req.host)} was not refused: ${r.statusCode}`);
          }
          return { label: 'host_refused' };
        }
        if (r.statusCode === 422 && req.method !== 'HEAD') {
          const errors = (JSON.parse(r.body) as { errors?: { type: string }[] }).errors ?? [];
          const extra = errors.filter((e) => e.type === 'extra_forbidden').length;
          if (extra > 11) throw new Error(`422 lists ${extra} unknown keys (at most 10 and a count)`);
        }
        if (r.statusCode >= 400 && r.statusCode !== 400 && req.method !== 'HEAD') {
          const parsed = JSON.parse(r.body) as { code?: unknown };
          if (r.statusCode !== 404 && r.statusCode !== 405 && typeof parsed.code !== 'string') {
            throw new Error(`status ${r.statusCode} without an error code: ${r.body.slice(0, 300)}`);
          }
          if (r.body.includes(CANARY)) throw new Error(`error body echoes the input: ${r.body.slice(0, 300)}`);
        }
        return { label: String(r.statusCode) };
      },
      describe: (req: HttpInput) => JSON.stringify(req).slice(0, 1500),
      async teardown() {
        await app.close();
        logs.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};
