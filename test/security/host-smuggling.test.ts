/**
 * Host allow-list gaps found by an attack on a running server, replayed over raw sockets (only a
 * raw socket can send these request heads): a second Host header behind an allowed one, an
 * absolute-form request line naming another authority, userinfo and malformed ports in Host, a
 * CORS preflight with a disallowed Host (answered 200 with allow-origin because CORS ran first),
 * and the www redirect of an absolute-form request (a Location glued from two URLs).
 */
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../serve/helpers/app.js';

interface RawReply {
  status: number;
  head: string;
}

function rawRequest(port: number, head: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${head}\r\n`));
    let reply = '';
    socket.on('data', (d) => {
      reply += d.toString('latin1');
      const end = reply.indexOf('\r\n\r\n');
      if (end !== -1) {
        socket.destroy();
        resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(reply)?.[1]), head: reply.slice(0, end) });
      }
    });
    socket.on('error', reject);
    socket.setTimeout(5000, () => reject(new Error(`no reply to ${JSON.stringify(head)}`)));
  });
}

const header = (reply: RawReply, name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(reply.head)?.[1];

async function listening(settings: Parameters<typeof makeApp>[0]): Promise<{ t: TestApp; port: number }> {
  const t = await makeApp(settings);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return { t, port: (t.app.server.address() as AddressInfo).port };
}

describe('default allow-list (127.0.0.1, localhost) over a raw socket', () => {
  let s: { t: TestApp; port: number };
  beforeAll(async () => {
    s = await listening({});
  });
  afterAll(() => s.t.app.close());
  const get = (lines: string) => rawRequest(s.port, `${lines}\r\nConnection: close\r\n`);

  it.each([
    ['an allowed Host followed by an evil one', 'GET /v1/health HTTP/1.1\r\nHost: localhost\r\nHost: evil.example'],
    ['the same allowed Host twice', 'GET /v1/health HTTP/1.1\r\nHost: localhost\r\nhost: localhost'],
    ['an absolute-form line naming evil.example', 'GET http://evil.example/v1/health HTTP/1.1\r\nHost: localhost'],
    ['an absolute-form line with userinfo', 'GET http://localhost@evil.example/v1/health HTTP/1.1\r\nHost: localhost'],
    ['userinfo in Host', 'GET /v1/health HTTP/1.1\r\nHost: localhost:1@evil.example'],
    ['a port over 65535', 'GET /v1/health HTTP/1.1\r\nHost: localhost:99999'],
    ['a non-numeric port', 'GET /v1/health HTTP/1.1\r\nHost: localhost:abc'],
    ['port 0', 'GET /v1/health HTTP/1.1\r\nHost: localhost:0'],
    ['a path in Host', 'GET /v1/health HTTP/1.1\r\nHost: localhost/evil'],
  ])('%s → 400 Invalid host header', async (_label, lines) => {
    const r = await get(lines);
    expect(r.status).toBe(400);
  });

  it('an absolute-form line with another scheme is never served (the router already refuses it)', async () => {
    const r = await get('GET ftp://localhost/v1/health HTTP/1.1\r\nHost: localhost');
    expect([400, 404]).toContain(r.status);
  });

  it.each([
    ['a plain request', 'GET /v1/health HTTP/1.1\r\nHost: localhost:8080'],
    ['an absolute-form line naming an allowed host', 'GET http://127.0.0.1:8080/v1/health HTTP/1.1\r\nHost: localhost'],
  ])('%s is still served (the probes above are sound)', async (_label, lines) => {
    expect((await get(lines)).status).toBe(200);
  });
});

describe('allow-list entries with a port', () => {
  let s: { t: TestApp; port: number };
  beforeAll(async () => {
    s = await listening({ settings: { allowedHosts: ['api.example.com:8443', 'localhost'] } });
  });
  afterAll(() => s.t.app.close());

  it.each([
    ['api.example.com:8443', 200],
    ['api.example.com', 400],
    ['api.example.com:443', 400],
    ['localhost:1234', 200],
  ])('Host %s → %i', async (host, status) => {
    const r = await rawRequest(s.port, `GET /v1/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n`);
    expect(r.status).toBe(status);
  });
});

describe('CORS preflights are answered only after the Host check', () => {
  const origin = 'https://app.example.com';
  let s: { t: TestApp; port: number };
  beforeAll(async () => {
    s = await listening({ settings: { allowedOrigins: [origin] } });
  });
  afterAll(() => s.t.app.close());
  const preflight = (host: string) =>
    rawRequest(
      s.port,
      `OPTIONS /v1/recipes/x:recommend HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${origin}\r\nAccess-Control-Request-Method: POST\r\nConnection: close\r\n`,
    );

  it('a preflight from the allowed origin but a disallowed Host → 400 without allow-origin', async () => {
    const r = await preflight('evil.example');
    expect(r.status).toBe(400);
    expect(header(r, 'access-control-allow-origin')).toBeUndefined();
  });

  it('the same preflight with an allowed Host is answered', async () => {
    const r = await preflight('localhost');
    expect(r.status).toBe(200);
    expect(header(r, 'access-control-allow-origin')).toBe(origin);
  });
});

describe('the www redirect of an absolute-form request', () => {
  let s: { t: TestApp; port: number };
  beforeAll(async () => {
    s = await listening({ settings: { allowedHosts: ['www.example.com'] } });
  });
  afterAll(() => s.t.app.close());

  it('redirects to the www host with only the path and query of the request line', async () => {
    const r = await rawRequest(
      s.port,
      'GET http://example.com/v1/health?x=1 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n',
    );
    expect(r.status).toBe(307);
    expect(header(r, 'location')).toBe('http://www.example.com/v1/health?x=1');
  });

  it('an absolute-form line naming another host is refused, not redirected', async () => {
    const r = await rawRequest(
      s.port,
      'GET http://evil.example/v1/health HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n',
    );
    expect(r.status).toBe(400);
  });
});
