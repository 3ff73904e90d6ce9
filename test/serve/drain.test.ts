/** SIGTERM drain with a real child process and a request in flight. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./fixtures/drain-child.ts', import.meta.url));
let child: ChildProcess | undefined;

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

function start(env: Record<string, string>) {
  child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, ...env, RECOTEM_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = child;
  const lines = createInterface({ input: proc.stdout! });
  const stderr: string[] = [];
  proc.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const events: Record<string, unknown>[] = [];
  const waiters: { pred: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }[] =
    [];
  lines.on('line', (line) => {
    const e = JSON.parse(line) as Record<string, unknown>;
    events.push(e);
    for (const w of [...waiters]) if (w.pred(e)) w.resolve(e);
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const next = (pred: (e: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const hit = events.find(pred);
      if (hit) return resolve(hit);
      waiters.push({ pred, resolve });
      void exited.then((code) => reject(new Error(`child exited (${code}) early: ${stderr.join('').slice(-2000)}`)));
    });
  return { next, exited, stderr: () => stderr.join('') };
}

const body = JSON.stringify({ user_id: 'u1', limit: 2 });
const post = (port: number) =>
  fetch(`http://127.0.0.1:${port}/v1/recipes/demo:recommend`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });

describe('graceful drain', () => {
  it('finishes the in-flight request, refuses new connections, exits 0', async () => {
    const c = start({ DELAY_MS: '800', DRAIN_SECONDS: '5' });
    const { port } = (await c.next((e) => 'port' in e)) as { port: number };
    const inflight = post(port);
    await c.next((e) => 'scoring' in e);
    const signalled = Date.now();
    child!.kill('SIGTERM');
    const response = await inflight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { items: unknown[] }).items).toHaveLength(2);
    // The listener is closed: a new connection is refused.
    await expect(fetch(`http://127.0.0.1:${port}/v1/health`)).rejects.toThrow();
    expect(await c.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(4000);
    const log = c.stderr();
    expect(log).toContain('"event":"serve_drain_started"');
    expect(log).toContain('"event":"serve_shutdown"');
    expect(log).not.toContain('serve_drain_timeout');
  }, 20_000);

  it('cuts a request that outlives RECOTEM_DRAIN_SECONDS and still exits 0', async () => {
    const c = start({ DELAY_MS: '5000', DRAIN_SECONDS: '1' });
    const { port } = (await c.next((e) => 'port' in e)) as { port: number };
    const inflight = post(port).then(
      (r) => r.status,
      () => 'cut',
    );
    await c.next((e) => 'scoring' in e);
    const signalled = Date.now();
    child!.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(3000);
    expect(await inflight).toBe('cut');
    expect(c.stderr()).toContain('"event":"serve_drain_timeout"');
  }, 20_000);
});
