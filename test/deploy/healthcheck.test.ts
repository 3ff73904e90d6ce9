import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const script = join(dirname(fileURLToPath(import.meta.url)), '../../scripts/healthcheck.mjs');

interface Seen {
  path: string | undefined;
  host: string | undefined;
}

function runProbe(port: number, args: string[] = []): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, RECOTEM_PORT: String(port) },
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

let server: Server | null = null;

async function serveStatus(status: number, seen: Seen[]): Promise<number> {
  server = createServer((req: IncomingMessage, res) => {
    seen.push({ path: req.url, host: req.headers.host });
    res.writeHead(req.url === '/health' ? status : 404, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

afterEach(async () => {
  const s = server;
  server = null;
  if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
});

describe('scripts/healthcheck.mjs', () => {
  it('exits 0 when /health answers 200, asking for /health with Host: localhost', async () => {
    const seen: Seen[] = [];
    const port = await serveStatus(200, seen);
    expect(await runProbe(port)).toBe(0);
    expect(seen).toEqual([{ path: '/health', host: 'localhost' }]);
  });

  it('exits 1 when /health answers 503 (a recipe is not loaded)', async () => {
    const port = await serveStatus(503, []);
    expect(await runProbe(port)).toBe(1);
  });

  it('exits 1 when nothing listens on RECOTEM_PORT', async () => {
    expect(await runProbe(await closedPort())).toBe(1);
  });

  it('--live accepts 503 (process up, recipe state aside) but not other failures', async () => {
    const port503 = await serveStatus(503, []);
    expect(await runProbe(port503, ['--live'])).toBe(0);
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = null;
    const port500 = await serveStatus(500, []);
    expect(await runProbe(port500, ['--live'])).toBe(1);
  });

  it('--live exits 1 on a refused connection', async () => {
    expect(await runProbe(await closedPort(), ['--live'])).toBe(1);
  });

  it('judges serve containers only: a train container is healthy without a server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recotem-hc-'));
    try {
      const pid1 = (args: string[]) => {
        const file = join(dir, `cmdline-${args[3]}`);
        writeFileSync(file, `${args.join('\0')}\0`);
        return ['--pid1-cmdline', file];
      };
      const closed = await closedPort();
      expect(await runProbe(closed, pid1(['/usr/bin/tini', '--', 'recotem', 'train', '/recipes/r.yaml']))).toBe(0);
      expect(await runProbe(closed, pid1(['/usr/bin/tini', '--', 'recotem', 'serve', '--recipes', '/recipes']))).toBe(
        1,
      );
      const seen: Seen[] = [];
      const port = await serveStatus(200, seen);
      expect(await runProbe(port, pid1(['/usr/bin/tini', '--', 'recotem', 'serve', '--recipes', '/r']))).toBe(0);
      expect(seen).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
