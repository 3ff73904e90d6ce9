/**
 * Scrapes of `/v1/metrics` kept while the console is open (ten minutes at most), so the Traffic
 * page shows the last minutes even when it was opened only now.
 */
import { getText } from './api';
import { parseExposition, type Rates, ratesBetween, type Sample } from './prom';

export const SCRAPE_MS = 5000;
const KEEP_MS = 10 * 60 * 1000;

const samples: Sample[] = [];
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;
let lastError: string | null = null;

async function scrape(): Promise<void> {
  try {
    const text = await getText('/v1/metrics');
    const sample = parseExposition(text, Date.now());
    samples.push(sample);
    while (samples.length > 2 && sample.at - samples[0].at > KEEP_MS) samples.shift();
    lastError = null;
  } catch (err) {
    lastError = (err as Error).message;
  }
  for (const l of listeners) l();
}

export function startScraping(): void {
  if (timer !== null) return;
  void scrape();
  timer = setInterval(scrape, SCRAPE_MS);
}

export function stopScraping(): void {
  if (timer !== null) clearInterval(timer);
  timer = null;
  samples.length = 0;
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export interface TrafficSeries {
  /** Epoch seconds of each interval's end. */
  times: number[];
  /** `recipe verb` → one value per interval. */
  byKey: Map<string, Rates[]>;
  latest: Sample | null;
  error: string | null;
}

export function trafficSeries(): TrafficSeries {
  const times: number[] = [];
  const byKey = new Map<string, Rates[]>();
  for (let i = 1; i < samples.length; i++) {
    const rates = ratesBetween(samples[i - 1], samples[i]);
    for (const key of rates.keys()) {
      if (!byKey.has(key))
        byKey.set(
          key,
          times.map(() => ({ rps: 0, errorsPerSecond: 0, p50: null, p99: null })),
        );
    }
    for (const [key, list] of byKey) list.push(rates.get(key) ?? { rps: 0, errorsPerSecond: 0, p50: null, p99: null });
    times.push(samples[i].at / 1000);
  }
  return { times, byKey, latest: samples.at(-1) ?? null, error: lastError };
}
