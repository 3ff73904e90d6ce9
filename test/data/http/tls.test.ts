import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch, isInternalAddress } from '../../../src/data/http/index.js';
import { exitCodeFor, HttpFetchError } from '../../../src/errors/index.js';

let dir: string;
let server: Server;
let port: number;
let cert: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'recotem-tls-'));
  const res = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=data.recotem.test',
      '-addext',
      'subjectAltName=DNS:data.recotem.test',
    ],
    { encoding: 'utf8' },
  );
  if (res.status !== 0) throw new Error(`openssl failed: ${res.stderr}`);
  cert = readFileSync(join(dir, 'cert.pem'));
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
    res.end(`sni=${(req.socket as { servername?: string }).servername ?? ''} host=${req.headers.host}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const pinnedToLoopback = {
  allowPrivate: false,
  lookup: async () => ['127.0.0.1'],
  isInternal: (ip: string) => ip !== '127.0.0.1' && isInternalAddress(ip),
};

describe('https through the pinned connector', () => {
  it('connects to the checked address but verifies the certificate, SNI and Host for the hostname', async () => {
    const res = await httpFetch(`https://data.recotem.test:${port}/x`, { ...pinnedToLoopback, ca: cert });
    expect(res.bytes.toString()).toBe(`sni=data.recotem.test host=data.recotem.test:${port}`);
  });

  it('always verifies certificates: an untrusted or mismatched certificate fails with exit 7', async () => {
    const untrusted = await httpFetch(`https://data.recotem.test:${port}/x`, pinnedToLoopback).catch((e: unknown) => e);
    expect(untrusted).toBeInstanceOf(HttpFetchError);
    expect((untrusted as Error).message).toMatch(
      /^URL error fetching https:\/\/data\.recotem\.test:\d+\/x: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/,
    );
    expect(exitCodeFor(untrusted)).toBe(7);
    const wrongName = await httpFetch(`https://other.recotem.test:${port}/x`, { ...pinnedToLoopback, ca: cert }).catch(
      (e: unknown) => e,
    );
    expect((wrongName as Error).message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
  });
});
