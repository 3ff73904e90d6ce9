/**
 * SSRF attempts against the shared HTTP fetcher:
 * internal addresses in every spelling the URL parser accepts, names resolving to metadata
 * services, DNS answers that change between the check and the connection or between hops, and
 * redirects into internal space — through the fetcher and through the data sources that use it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch, isInternalAddress } from '../../src/data/http/index.js';
import { loadItemMetadata } from '../../src/data/index.js';
import { csvConfigSchema } from '../../src/data/sources/configs.js';
import { createCsvSource } from '../../src/data/sources/csv.js';
import { DataSourceError, exitCodeFor, HttpFetchError } from '../../src/errors/index.js';
import { captureLogs, type LogCapture } from '../../src/log/index.js';
import { redirectTo, serveBytes, startHttpServer, type TestHttpServer } from '../helpers/http-server.js';

let srv: TestHttpServer;
let logs: LogCapture;
const body = Buffer.from('user_id,item_id\nu1,i1\n');
const savedAllow = process.env.RECOTEM_HTTP_ALLOW_PRIVATE;

beforeAll(async () => {
  delete process.env.RECOTEM_HTTP_ALLOW_PRIVATE;
  logs = captureLogs();
  srv = await startHttpServer();
  srv.route('/data.csv', serveBytes(body));
  srv.route('/to-imds', redirectTo('http://169.254.169.254/latest/meta-data/iam/security-credentials/'));
  srv.route('/to-imds-decimal', redirectTo('http://2852039166/latest/meta-data/'));
  srv.route('/to-imds-v6', redirectTo('http://[fd00:ec2::254]/latest/meta-data/'));
  srv.route('/to-gcp-name', redirectTo(`http://metadata.google.internal:${srv.port}/computeMetadata/v1/`));
  srv.route('/to-localhost', redirectTo('http://localhost:9/admin'));
  srv.route('/to-rebinder', redirectTo(`http://rebinder.test:${srv.port}/data.csv`));
});
afterAll(async () => {
  await srv.close();
  logs.stop();
  if (savedAllow === undefined) delete process.env.RECOTEM_HTTP_ALLOW_PRIVATE;
  else process.env.RECOTEM_HTTP_ALLOW_PRIVATE = savedAllow;
});

/** Only the test server's address counts as public, so hop logic can be exercised on loopback. */
const loopbackIsPublic = (ip: string) => ip !== '127.0.0.1' && isInternalAddress(ip);

async function refusal(p: Promise<unknown>): Promise<HttpFetchError> {
  const err = await p.then(
    () => {
      throw new Error('the fetch was allowed');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpFetchError);
  expect(exitCodeFor(err)).toBe(7);
  return err as HttpFetchError;
}

describe('internal addresses in any spelling are refused before any connection', () => {
  it.each([
    ['http://127.0.0.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.0.0.1/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://169.254.169.254./latest/meta-data/', '169.254.169.254'],
    ['http://2852039166/', '169.254.169.254'],
    ['http://0xa9fea9fe/', '169.254.169.254'],
    ['http://100.100.100.200/latest/meta-data/', '100.100.100.200'],
    ['http://192.0.0.192/', '192.0.0.192'],
    ['http://10.0.0.1/', '10.0.0.1'],
    ['http://172.16.5.4/', '172.16.5.4'],
    ['http://192.168.1.1/', '192.168.1.1'],
    ['http://224.0.0.1/', '224.0.0.1'],
    ['http://255.255.255.255/', '255.255.255.255'],
    ['http://[::1]/', '::1'],
    ['http://[::]/', '::'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['http://[::ffff:a9fe:a9fe]/', '::ffff:a9fe:a9fe'],
    ['http://[fd00:ec2::254]/latest/meta-data/', 'fd00:ec2::254'],
    ['http://[fe80::1]/', 'fe80::1'],
    ['http://[64:ff9b::a9fe:a9fe]/', '64:ff9b::a9fe:a9fe'],
    ['https://[::1]:8443/x.csv', '::1'],
  ])('%s', async (url, resolved) => {
    const asked: string[] = [];
    const lookup = async (host: string) => {
      asked.push(host);
      return ['93.184.216.34'];
    };
    const err = await refusal(httpFetch(url, { allowPrivate: false, lookup }));
    expect(err.message).toContain(`(resolved to ${resolved})`);
    expect(asked).toEqual([]);
  });
});

describe('names and DNS answers', () => {
  it.each([
    ['metadata.google.internal', ['169.254.169.254']],
    ['public-then-private.test', ['93.184.216.34', '10.0.0.7']],
    ['mapped.test', ['::ffff:169.254.169.254']],
    ['ula.test', ['fd12:3456::1']],
  ])('refuses %s when any answer (%j) is internal', async (host, answers) => {
    const err = await refusal(httpFetch(`http://${host}/x.csv`, { allowPrivate: false, lookup: async () => answers }));
    expect(err.message).toMatch(/^Refusing fetch to private\/internal address for http:\/\//);
  });

  it('an answer that turns internal after the check is never used: the socket goes to the checked address', async () => {
    let calls = 0;
    const lookup = async () => (++calls === 1 ? ['127.0.0.1'] : ['169.254.169.254']);
    const res = await httpFetch(`http://flip.test:${srv.port}/data.csv`, {
      allowPrivate: false,
      lookup,
      isInternal: loopbackIsPublic,
    });
    expect(res.bytes.equals(body)).toBe(true);
    expect(calls).toBe(1);
  });

  it('a name that rebinds to an internal address on the next hop is refused there', async () => {
    const answers: Record<string, string[][]> = { 'start.test': [['127.0.0.1']], 'rebinder.test': [['10.1.1.1']] };
    const lookup = async (host: string) => answers[host]?.shift() ?? [];
    const err = await refusal(
      httpFetch(`http://start.test:${srv.port}/to-rebinder`, {
        allowPrivate: false,
        lookup,
        isInternal: loopbackIsPublic,
      }),
    );
    expect(err.message).toContain('(resolved to 10.1.1.1)');
  });
});

describe('redirects into internal space', () => {
  it.each([
    ['/to-imds', '169.254.169.254'],
    ['/to-imds-decimal', '169.254.169.254'],
    ['/to-imds-v6', 'fd00:ec2::254'],
    ['/to-gcp-name', '169.254.169.254'],
    ['/to-localhost', '::1'],
  ])('%s is refused at the hop that would reach %s', async (path, resolved) => {
    const lookup = async (host: string) =>
      host === 'metadata.google.internal' ? ['169.254.169.254'] : host === 'localhost' ? ['::1'] : [];
    const before = srv.hits.length;
    const err = await refusal(
      httpFetch(`${srv.origin}${path}`, { allowPrivate: false, lookup, isInternal: loopbackIsPublic }),
    );
    expect(err.message).toContain(`(resolved to ${resolved})`);
    // The first hop (the test server) was fetched; nothing beyond it.
    expect(srv.hits.slice(before)).toEqual([path]);
  });
});

describe('through the sources that fetch', () => {
  it('a csv recipe source pointing at the metadata service fails with exit 7 and no request', async () => {
    const source = createCsvSource(
      csvConfigSchema.parse({ type: 'csv', path: 'http://169.254.169.254/latest/meta-data/ratings.csv' }),
    );
    const err = await source.fetch({ recipeName: 'r', runId: 'x', extra: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataSourceError);
    expect(exitCodeFor(err)).toBe(7);
    expect(String((err as Error).message)).toContain('169.254.169.254');
  });

  it('a csv source on a loopback origin is refused unless RECOTEM_HTTP_ALLOW_PRIVATE is set', async () => {
    const source = createCsvSource(csvConfigSchema.parse({ type: 'csv', path: `${srv.origin}/data.csv` }));
    const before = srv.hits.length;
    const err = await source.fetch({ recipeName: 'r', runId: 'x', extra: {} }).catch((e: unknown) => e);
    expect(exitCodeFor(err)).toBe(7);
    expect(srv.hits.length).toBe(before);
  });

  it('serve-side item metadata over http obeys the same guard', async () => {
    const err = await loadItemMetadata(
      { type: 'csv', path: 'http://[::ffff:169.254.169.254]/items.csv', item_id_column: 'item_id' },
      ['title'],
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).toMatch(/private\/internal address/);
  });
});
