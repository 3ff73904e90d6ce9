import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exitCodeFor, SearchError } from '../../../src/errors/index.js';
import { MemoryStudyStore } from '../../../src/train/search/store/memory.js';
import { CREDENTIALS_MESSAGE, resolveStoragePath } from '../../../src/train/search/store/resolve.js';
import { openSqliteStore } from '../../../src/train/search/store/sqlite.js';
import { crashSession } from './fixtures/helpers.js';
import { contract } from './fixtures/store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'recotem-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function searchError(fn: () => unknown): SearchError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SearchError);
    return e as SearchError;
  }
  throw new Error('expected a SearchError');
}

describe('resolveStoragePath', () => {
  it('maps empty to memory and bare paths to SQLite files', () => {
    expect(resolveStoragePath('')).toEqual({ kind: 'memory', target: '', allowsParallelism: true });
    expect(resolveStoragePath('   ').kind).toBe('memory');
    expect(resolveStoragePath(undefined).kind).toBe('memory');
    expect(resolveStoragePath('studies/x.db', '/base')).toEqual({
      kind: 'sqlite',
      target: '/base/studies/x.db',
      allowsParallelism: false,
    });
    // Improve: without "://" these are paths, not broken URLs.
    expect(resolveStoragePath('sqlite.db', '/base').target).toBe('/base/sqlite.db');
    expect(resolveStoragePath('postgres.db', '/base').kind).toBe('sqlite');
  });

  it('understands SQLAlchemy-style SQLite URLs', () => {
    expect(resolveStoragePath('sqlite:///rel/s.db', '/base').target).toBe('/base/rel/s.db');
    expect(resolveStoragePath('sqlite:////abs/s.db', '/base').target).toBe('/abs/s.db');
    expect(resolveStoragePath('sqlite://').target).toBe(':memory:');
    expect(resolveStoragePath('sqlite:///:memory:').target).toBe(':memory:');
    expect(() => resolveStoragePath('sqlite://host/x.db')).toThrow(SearchError);
  });

  it('accepts PostgreSQL URLs (with or without a driver suffix) and allows parallelism for them', () => {
    expect(resolveStoragePath('postgresql://127.0.0.1:5432/db')).toEqual({
      kind: 'postgresql',
      target: 'postgresql://127.0.0.1:5432/db',
      allowsParallelism: true,
    });
    expect(resolveStoragePath('postgres://h/db').target).toBe('postgresql://h/db');
    expect(resolveStoragePath('postgresql+psycopg2://h/db?sslmode=disable').target).toBe(
      'postgresql://h/db?sslmode=disable',
    );
  });

  it('refuses URLs that embed credentials, without echoing them (exit 4)', () => {
    for (const url of [
      'postgresql://alice:s3cret@db/x',
      'postgresql://alice@db/x',
      'postgresql://:s3cret@db/x',
      'mysql://root:pw@h/x',
      'sqlite://u:p@/x.db',
    ]) {
      const err = searchError(() => resolveStoragePath(url));
      expect(err.message).toBe(CREDENTIALS_MESSAGE);
      expect(err.message).not.toContain('s3cret');
      expect(err.code).toBe('search_error');
      expect(exitCodeFor(err)).toBe(4);
    }
    // An '@' in the path or query is not userinfo.
    expect(resolveStoragePath('postgresql://h/db?application_name=a@b').kind).toBe('postgresql');
  });

  it('rejects MySQL and unknown schemes, naming the supported ones', () => {
    const err = searchError(() => resolveStoragePath('mysql://127.0.0.1:3306/recotem'));
    expect(err.message).toMatch(/not supported/);
    expect(err.message).toContain('sqlite:///');
    expect(err.message).toContain('postgresql://');
    expect(searchError(() => resolveStoragePath('mysql+pymysql://h/x')).message).toMatch(/mysql/);
    expect(searchError(() => resolveStoragePath('redis://h/0')).message).toContain("'redis://'");
  });
});

contract('in-memory', () => new MemoryStudyStore());
contract('SQLite', () => openSqliteStore(join(dir, `c-${Math.random().toString(16).slice(2)}.db`)));

describe('SQLite resume after a crashed process', () => {
  it('retires the dead session, fails its running trial and opens a new round', async () => {
    const file = join(dir, 'resume.db');
    const stale = crashSession(file, 'r');
    const store = openSqliteStore(file);
    try {
      const study = await store.openStudy('r');
      const info = await study.beginSession({
        nTrials: 3,
        activeClasses: ['IALSRecommender', 'TopPopRecommender'],
        budgets: { IALSRecommender: 2, TopPopRecommender: 1 },
      });
      expect(info.joined).toBe(false);
      expect(info.round).toBe(2);
      // One IALS trial completed before the crash: one IALS and the TopPop trial remain.
      expect(info.queued).toEqual(['IALSRecommender', 'TopPopRecommender']);
      const trials = await study.trials();
      expect(trials.map((t) => [t.number, t.state])).toEqual([
        [0, 'COMPLETE'],
        [stale, 'FAIL'],
      ]);
      // The failed trial no longer holds an IALS place.
      const next = (await study.claimTrial())!;
      expect(next.number).toBe(2);
      expect(await study.admitClass(next.number, 'IALSRecommender', 2)).toBe(true);
      await study.endSession();
    } finally {
      await store.close();
    }
  });
});
