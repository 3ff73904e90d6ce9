import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveEventStore } from '../../src/recipe/index.js';
import { baseRecipe, load, loadError, toYaml, withField } from './helpers.js';

const withEvents = (events: unknown, base = baseRecipe()) => toYaml(withField(base, 'events', events));

describe('events section', () => {
  it('is off when absent, and takes its defaults when present', async () => {
    expect((await load(toYaml(baseRecipe()))).events).toBeNull();
    const recipe = await load(withEvents({}));
    expect(recipe.events).toEqual({
      store: null,
      retention_days: 30,
      realtime: true,
      include_in_training: false,
      event_types: null,
    });
    const full = await load(
      withEvents({
        store: 'postgresql://db.internal:5432/events',
        retention_days: '7',
        realtime: 'no',
        include_in_training: true,
        event_types: { view: 1, purchase: 3.5, hidden: 0 },
      }),
    );
    expect(full.events).toMatchObject({ retention_days: 7, realtime: false, include_in_training: true });
    expect(full.events?.event_types).toEqual({ view: 1, purchase: 3.5, hidden: 0 });
  });

  it('rejects bad fields with the field path in the message', async () => {
    expect((await loadError(withEvents({ retention_days: 0 }))).message).toContain('events.retention_days');
    expect((await loadError(withEvents({ event_types: { view: -1 } }))).message).toContain('events.event_types');
    expect((await loadError(withEvents({ event_types: { 'no spaces': 1 } }))).message).toContain('events.event_types');
    expect((await loadError(withEvents({ unknown: 1 }))).message).toContain('events');
  });

  it('refuses credentials in the store URL without repeating them', async () => {
    const err = await loadError(withEvents({ store: 'postgresql://admin:hunter2@db/events' }));
    expect(err.message).toContain('events.store must not embed credentials');
    expect(err.message).not.toContain('hunter2');
    expect((await loadError(withEvents({ store: 'mysql://db/events' }))).message).toContain("scheme 'mysql://'");
  });

  it('needs an explicit store when the artifact goes to an object store', async () => {
    const remote = withField(baseRecipe(), 'output.path', 's3://bucket/movies.recotem');
    expect((await loadError(withEvents({}, remote))).message).toContain('events.store must be set');
    const ok = await load(withEvents({ store: 'postgresql://db/events' }, remote));
    expect(resolveEventStore(ok)).toEqual({ kind: 'postgresql', url: 'postgresql://db/events' });
  });

  it('resolves the default store next to the artifact, and file stores against the working directory', async () => {
    const recipe = await load(withEvents({}, withField(baseRecipe(), 'output.path', './out/movies.recotem')));
    expect(resolveEventStore(recipe, '/srv')).toEqual({ kind: 'sqlite', path: join('/srv/out', 'movies.events.db') });
    const file = await load(withEvents({ store: 'data/ev.db' }));
    expect(resolveEventStore(file, '/srv')).toEqual({ kind: 'sqlite', path: resolve('/srv', 'data/ev.db') });
    const url = await load(withEvents({ store: 'sqlite:////var/lib/ev.db' }));
    expect(resolveEventStore(url)).toEqual({ kind: 'sqlite', path: '/var/lib/ev.db' });
    const pg = await load(withEvents({ store: 'postgres://db:5433/ev?sslmode=require' }));
    expect(resolveEventStore(pg)).toEqual({ kind: 'postgresql', url: 'postgresql://db:5433/ev?sslmode=require' });
  });
});
