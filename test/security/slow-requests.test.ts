/**
 * Sockets held open by requests that never finish, against a real server over raw sockets: a body
 * that stops arriving (or trickles in a byte at a time) with a valid key, and unfinished bodies
 * after the 401 without one (1,000 such sockets once stayed open). The time to receive a request
 * is bounded (408, connection closed) and an unauthenticated request's connection is closed once
 * it is answered.
 */
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, keyEntries, makeApp, type TestApp } from '../serve/helpers/app.js';
import { loadedEntry, standardModel } from '../serve/helpers/model.js';

interface Conversation {
  socket: Socket;
  /** Everything the server sent. */
  received(): string;
  /** Resolves when the server closed the connection, with the time it took. */
  closed: Promise<number>;
}

function open(port: number, head: string): Promise<Conversation> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let data = '';
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      resolve({ socket, received: () => data, closed });
    });
    const closed = new Promise<number>((done) => socket.on('close', () => done(Date.now() - started)));
    socket.on('data', (d) => {
      data += d.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

const postHead = (length: number, key: string | null) =>
  `POST /v1/recipes/demo:recommend HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n${key === null ? '' : `X-API-Key: ${key}\r\n`}Content-Length: ${length}\r\n\r\n`;

async function listening(requestTimeoutSeconds: number): Promise<{ t: TestApp; port: number }> {
  const t = await makeApp({
    settings: { apiKeys: keyEntries(['k1', API_KEY]), requestTimeoutSeconds },
    entries: [loadedEntry('demo', standardModel())],
  });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  return { t, port: (t.app.server.address() as AddressInfo).port };
}

describe('the time to receive a request is bounded', () => {
  let s: { t: TestApp; port: number };
  beforeAll(async () => {
    s = await listening(1);
  });
  afterAll(() => s.t.app.close());

  it('an authenticated body that stops arriving gets 408 and its socket is closed', async () => {
    const c = await open(s.port, `${postHead(1000, API_KEY)}{"user_id":`);
    const after = await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(c.received()).toContain('{"detail":"Request Timeout"}');
    expect(after).toBeGreaterThanOrEqual(900);
    expect(after).toBeLessThan(10_000);
  });

  it('a body trickled in a byte at a time is bounded by the total time, not the idle time', async () => {
    const c = await open(s.port, postHead(1000, API_KEY));
    const trickle = setInterval(() => {
      if (!c.socket.destroyed) c.socket.write(' ');
    }, 200);
    try {
      const after = await c.closed;
      expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(after).toBeLessThan(10_000);
    } finally {
      clearInterval(trickle);
    }
  });

  it('complete requests on a keep-alive connection are unaffected', async () => {
    const body = '{"user_id":"u1","limit":1}';
    const c = await open(s.port, `${postHead(body.length, API_KEY)}${body}`);
    await new Promise((r) => setTimeout(r, 1500));
    c.socket.write(`${postHead(body.length, API_KEY)}${body}`);
    await new Promise((r) => setTimeout(r, 300));
    expect(c.received().match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(c.socket.destroyed).toBe(false);
    c.socket.destroy();
  });
});

describe('an unauthenticated request loses its connection once answered', () => {
  let s: { t: TestApp; port: number };
  beforeAll(async () => {
    // A long receive bound, so only the close after the 401 can end these sockets quickly.
    s = await listening(60);
  });
  afterAll(() => s.t.app.close());

  it('a 401 with an unfinished body closes the socket at once', async () => {
    const c = await open(s.port, `${postHead(1_000_000, null)}{"user_id":`);
    const after = await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 401 /);
    expect(c.received().toLowerCase()).toContain('connection: close');
    expect(after).toBeLessThan(5000);
  });

  it('a wrong key is treated the same way', async () => {
    const c = await open(s.port, `${postHead(1_000_000, 'x'.repeat(40))}{"user_id":`);
    await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 401 /);
  });

  it('200 such sockets are all closed by the server', async () => {
    const conversations = await Promise.all(
      Array.from({ length: 200 }, () => open(s.port, `${postHead(1_000_000, null)}{"user_id":`)),
    );
    const times = await Promise.all(conversations.map((c) => c.closed));
    expect(times.every((ms) => ms < 20_000)).toBe(true);
    expect(conversations.every((c) => /^HTTP\/1\.1 401 /.test(c.received()))).toBe(true);
  });
});
