/**
 * A steady-rate load generator on loopback: requests are scheduled at fixed intervals (rate per
 * second) and run on at most `concurrency` keep-alive connections; a request that cannot start on
 * time waits for a free connection instead of piling up. Every response is one sample.
 */
import { Agent, request } from 'node:http';

export interface LoadSample {
  /** Epoch ms when the response completed. */
  at: number;
  ms: number;
  ok: boolean;
  status: number;
  version?: string;
  error?: string;
}

export interface LoadOptions {
  url: string;
  apiKey: string;
  userIds: readonly string[];
  rate: number;
  concurrency: number;
  /** Epoch ms after which no new request starts. */
  until: number;
  onSample(sample: LoadSample): void;
}

function once(agent: Agent, url: URL, apiKey: string, body: string): Promise<LoadSample> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const version = res.headers['x-recotem-model-version'];
          const ok = status === 200 && typeof version === 'string';
          resolve({
            at: Date.now(),
            ms: performance.now() - t0,
            ok,
            status,
            version: typeof version === 'string' ? version : undefined,
            error: ok ? undefined : Buffer.concat(chunks).toString('utf8').slice(0, 200),
          });
        });
        res.on('error', (err) =>
          resolve({ at: Date.now(), ms: performance.now() - t0, ok: false, status: 0, error: err.message }),
        );
      },
    );
    req.on('error', (err) =>
      resolve({ at: Date.now(), ms: performance.now() - t0, ok: false, status: 0, error: err.message }),
    );
    req.end(body);
  });
}

export async function driveLoad(opts: LoadOptions): Promise<void> {
  const url = new URL(opts.url);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const interval = 1000 / opts.rate;
  const start = Date.now();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const slot = start + next++ * interval;
      if (slot >= opts.until) return;
      const wait = slot - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const user = opts.userIds[Math.floor(Math.random() * opts.userIds.length)];
      opts.onSample(await once(agent, url, opts.apiKey, JSON.stringify({ user_id: user, limit: 10 })));
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
  } finally {
    agent.destroy();
  }
}
