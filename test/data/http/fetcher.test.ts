import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch, isInternalAddress, remoteAddressRefusal } from '../../../src/data/http/index.js';
import { exitCodeFor, HttpFetchError } from '../../../src/errors/index.js';
import { captureLogs } from '../../../src/log/index.js';
import { redirectTo, serveBytes, startHttpServer, type TestHttpServer } from '../../helpers/http-server.js';

let srv: TestHttpServer;
const payload = Buffer.from('user_id,item_id\nu1,i1\n');

beforeAll(async () => {
  srv = await startHttpServer();
  srv.route('/data.csv', serveBytes(payload));
  for (let k = 1; k <= 6; k++) srv.route(`/hop${k}`, redirectTo(`/hop${k + 1}`));
  srv.route('/hop7', serveBytes(payload));
  srv.route('/loop-a', redirectTo('/loop-b'));
  srv.route('/loop-b', redirectTo('/loop-a'));
  srv.route('/to-https', redirectTo('https://127.0.0.1:1/x'));
  srv.route('/to-ftp', redirectTo('ftp://127.0.0.1/x'));
  srv.route('/to-creds', redirectTo(`http://user:pw@127.0.0.1:${srv.port}/data.csv`));
  srv.route('/no-location', redirectTo(undefined, 301));
  srv.route('/to-metadata', redirectTo('http://169.254.169.254/latest/meta-data/'));
  srv.route('/to-metadata-name', redirectTo(`http://metadata.test:${srv.port}/data.csv`));
  srv.route('/same-host-next', redirectTo('/data.csv', 307));
  srv.route('/missing', (_req, res) => {
    res.statusCode = 500;
    res.end('boom');
  });
  srv.route('/exact', serveBytes(Buffer.alloc(2048, 97)));
  srv.route('/big', (_req, res) => {
    res.write(Buffer.alloc(2000, 97));
    setTimeout(() => res.end(Buffer.alloc(2000, 98)), 5);
  });
  srv.route('/stall-body', (_req, res) => {
    res.write('partial');
    // never ends: the inactivity timeout must fire
  });
  srv.route('/stall-headers', () => {
    // never answers
  });
});

afterAll(async () => {
  await srv.close();
});

/** Treats only the test server's loopback address as public so the guard's hop logic can run. */
const loopbackIsPublic = (ip: string) => ip !== '127.0.0.1' && isInternalAddress(ip);

async function failure(p: Promise<unknown>): Promise<HttpFetchError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(HttpFetchError);
    expect(exitCodeFor(err)).toBe(7);
    return err as HttpFetchError;
  }
  throw new Error('expected the fetch to fail');
}

describe('httpFetch with private origins allowed', () => {
  const opts = { allowPrivate: true, timeoutSeconds: 5 };

  it('returns the body and sends the recotem user agent', async () => {
    const seen: string[] = [];
    srv.route('/ua', (req, res) => {
      seen.push(String(req.headers['user-agent']), String(req.headers.accept));
      res.end('ok');
    });
    const res = await httpFetch(`${srv.origin}/ua`, opts);
    expect(res.bytes.toString()).toBe('ok');
    expect(seen).toEqual(['recotem/2', '*/*']);
  });

  it('follows a chain of four redirects and logs each hop', async () => {
    const logs = captureLogs();
    try {
      const res = await httpFetch(`${srv.origin}/hop3`, {
        ...opts,
        logPrefix: 'csv_source',
        logContext: { recipe: 'r' },
      });
      expect(res.bytes.equals(payload)).toBe(true);
      const hops = logs.events('csv_source_redirect');
      expect(hops).toHaveLength(4);
      expect(hops[0]).toMatchObject({
        from_: `${srv.origin}/hop3`,
        to: `${srv.origin}/hop4`,
        status: 302,
        recipe: 'r',
      });
    } finally {
      logs.stop();
    }
  });

  it('fails on the fifth redirect', async () => {
    const err = await failure(httpFetch(`${srv.origin}/hop2`, opts));
    expect(err.message).toBe(`Too many redirects (>=5) fetching ${srv.origin}/hop7`);
  });

  it('detects redirect loops', async () => {
    const err = await failure(httpFetch(`${srv.origin}/loop-a`, opts));
    expect(err.message).toBe(`Redirect loop detected fetching ${srv.origin}/loop-a`);
  });

  it('refuses scheme-changing, non-http and credential-bearing redirects', async () => {
    expect((await failure(httpFetch(`${srv.origin}/to-https`, opts))).message).toMatch(
      /^Refusing scheme-changing redirect from http:\/\/127\.0\.0\.1:\d+\/to-https/,
    );
    expect((await failure(httpFetch(`${srv.origin}/to-ftp`, opts))).message).toMatch(
      /^Refusing redirect from .*\/to-ftp to disallowed scheme 'ftp:\/\/'/,
    );
    expect((await failure(httpFetch(`${srv.origin}/to-creds`, opts))).message).toBe(
      `Refusing redirect with embedded credentials from ${srv.origin}/to-creds`,
    );
    expect((await failure(httpFetch(`${srv.origin}/no-location`, opts))).message).toBe(
      `HTTP 301 from ${srv.origin}/no-location without Location header`,
    );
  });

  it('turns HTTP errors into HttpFetchError', async () => {
    expect((await failure(httpFetch(`${srv.origin}/missing`, opts))).message).toBe(
      `HTTP 500 fetching ${srv.origin}/missing`,
    );
    expect((await failure(httpFetch(`${srv.origin}/nowhere`, opts))).message).toBe(
      `HTTP 404 fetching ${srv.origin}/nowhere`,
    );
  });

  it('accepts a body of exactly the cap and refuses one byte more while streaming', async () => {
    const ok = await httpFetch(`${srv.origin}/exact`, { ...opts, capBytes: 2048 });
    expect(ok.bytes.length).toBe(2048);
    await failure(httpFetch(`${srv.origin}/exact`, { ...opts, capBytes: 2047 }));
    const logs = captureLogs();
    try {
      const err = await failure(
        httpFetch(`${srv.origin}/big`, { ...opts, capBytes: 3000, logPrefix: 'metadata_source' }),
      );
      expect(err.message).toBe(
        `Download size cap exceeded fetching ${srv.origin}/big: > 3000 bytes (RECOTEM_MAX_DOWNLOAD_BYTES).`,
      );
      // The body may arrive in one chunk or two; either way no more than the cap is kept.
      const event = logs.events('metadata_source_size_exceeded')[0];
      expect(event).toMatchObject({ cap: 3000 });
      expect([0, 2000]).toContain(event.bytes_read);
    } finally {
      logs.stop();
    }
  });

  it('times out on a stalled body and on missing headers', async () => {
    const t0 = Date.now();
    expect((await failure(httpFetch(`${srv.origin}/stall-body`, { ...opts, timeoutSeconds: 1 }))).message).toBe(
      `Timeout (1s) fetching ${srv.origin}/stall-body`,
    );
    expect((await failure(httpFetch(`${srv.origin}/stall-headers`, { ...opts, timeoutSeconds: 1 }))).message).toBe(
      `Timeout (1s) fetching ${srv.origin}/stall-headers`,
    );
    expect(Date.now() - t0).toBeLessThan(8000);
  });

  it('reports connection failures as URL errors and redacts credentials', async () => {
    const closed = await startHttpServer();
    const port = closed.port;
    await closed.close();
    const err = await failure(httpFetch(`http://alice:secret@127.0.0.1:${port}/x`, opts));
    expect(err.message).toMatch(new RegExp(`^URL error fetching http://127\\.0\\.0\\.1:${port}/x: ECONNREFUSED`));
    expect(err.message).not.toContain('secret');
  });
});

describe('httpFetch SSRF guard', () => {
  it('refuses the loopback test server itself when private origins are not allowed', async () => {
    const err = await failure(httpFetch(`${srv.origin}/data.csv`, { allowPrivate: false }));
    expect(err.message).toBe(
      `Refusing fetch to private/internal address for ${srv.origin}/data.csv (resolved to 127.0.0.1). Set RECOTEM_HTTP_ALLOW_PRIVATE=1 to allow internal HTTP origins.`,
    );
    expect(srv.hits).not.toContain('/data.csv?guard');
  });

  it('reads RECOTEM_HTTP_ALLOW_PRIVATE when no option is given', async () => {
    const before = process.env.RECOTEM_HTTP_ALLOW_PRIVATE;
    try {
      process.env.RECOTEM_HTTP_ALLOW_PRIVATE = 'YES';
      expect((await httpFetch(`${srv.origin}/data.csv`)).bytes.equals(payload)).toBe(true);
      process.env.RECOTEM_HTTP_ALLOW_PRIVATE = '0';
      await failure(httpFetch(`${srv.origin}/data.csv`));
    } finally {
      if (before === undefined) delete process.env.RECOTEM_HTTP_ALLOW_PRIVATE;
      else process.env.RECOTEM_HTTP_ALLOW_PRIVATE = before;
    }
  });

  it('refuses names resolving to internal addresses, and unresolvable names', async () => {
    const lookup = async (host: string) => {
      if (host === 'mixed.test') return ['93.184.216.34', '10.1.2.3'];
      if (host === 'mapped.test') return ['::ffff:169.254.169.254'];
      return [];
    };
    expect((await failure(httpFetch('http://mixed.test/x', { allowPrivate: false, lookup }))).message).toBe(
      'Refusing fetch to private/internal address for http://mixed.test/x (resolved to 10.1.2.3). Set RECOTEM_HTTP_ALLOW_PRIVATE=1 to allow internal HTTP origins.',
    );
    expect((await failure(httpFetch('http://mapped.test/x', { allowPrivate: false, lookup }))).message).toContain(
      '(resolved to ::ffff:169.254.169.254)',
    );
    expect((await failure(httpFetch('http://nowhere.test/x', { allowPrivate: false, lookup }))).message).toBe(
      'Refusing fetch to http://nowhere.test/x: hostname does not resolve. Set RECOTEM_HTTP_ALLOW_PRIVATE=1 to bypass for offline tests.',
    );
    expect((await failure(httpFetch('http://[::1]:9/x', { allowPrivate: false, lookup }))).message).toContain(
      '(resolved to ::1)',
    );
  });

  it('checks every redirect hop, including redirects to metadata addresses', async () => {
    const lookup = async (host: string) => (host === 'metadata.test' ? ['169.254.169.254'] : []);
    const opts = { allowPrivate: false, lookup, isInternal: loopbackIsPublic };
    expect((await httpFetch(`${srv.origin}/same-host-next`, opts)).bytes.equals(payload)).toBe(true);
    expect((await failure(httpFetch(`${srv.origin}/to-metadata`, opts))).message).toBe(
      'Refusing fetch to private/internal address for http://169.254.169.254/latest/meta-data/ (resolved to 169.254.169.254). Set RECOTEM_HTTP_ALLOW_PRIVATE=1 to allow internal HTTP origins.',
    );
    expect((await failure(httpFetch(`${srv.origin}/to-metadata-name`, opts))).message).toContain(
      `for http://metadata.test:${srv.port}/data.csv (resolved to 169.254.169.254)`,
    );
  });

  it('pins the checked address and re-resolves on every hop (DNS answers that change)', async () => {
    const answers = [['127.0.0.1'], ['10.9.9.9']];
    const asked: string[] = [];
    const lookup = async (host: string) => {
      asked.push(host);
      return answers.shift() ?? [];
    };
    srv.route('/rebind-start', redirectTo(`http://rebind.test:${srv.port}/data.csv`));
    // Hop 1 resolves to the (test-public) loopback server and connects to exactly that address;
    // hop 2 resolves the same name again and gets an internal answer, which is refused.
    const err = await failure(
      httpFetch(`http://rebind.test:${srv.port}/rebind-start`, {
        allowPrivate: false,
        lookup,
        isInternal: loopbackIsPublic,
      }),
    );
    expect(asked).toEqual(['rebind.test', 'rebind.test']);
    expect(err.message).toContain('(resolved to 10.9.9.9)');
    expect(srv.hits).toContain('/rebind-start');
  });

  it('connects to the pinned address, never re-resolving the name for the socket', async () => {
    const lookup = async () => ['127.0.0.1'];
    const res = await httpFetch(`http://only-in-test-lookup.invalid:${srv.port}/data.csv`, {
      allowPrivate: false,
      lookup,
      isInternal: loopbackIsPublic,
    });
    expect(res.bytes.equals(payload)).toBe(true);
  });

  it('refuses an internal peer on the connected socket', () => {
    for (const remote of ['127.0.0.1', '::ffff:127.0.0.1', '::1', '169.254.169.254', undefined]) {
      const err = remoteAddressRefusal({ remoteAddress: remote });
      expect(err).toBeInstanceOf(HttpFetchError);
    }
    expect(remoteAddressRefusal({ remoteAddress: '93.184.216.34' })).toBeNull();
  });

  it('refuses URLs without a host', async () => {
    expect((await failure(httpFetch('http:///just-a-path', { allowPrivate: false }))).message).toBe(
      'Refusing fetch to URL without a host: http:///just-a-path',
    );
  });
});
