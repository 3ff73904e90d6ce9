/**
 * The Prometheus text exposition of `/v1/metrics`, read into per-(recipe, verb) counters and
 * latency histograms, and the rates and quantiles between two scrapes.
 */

export interface Sample {
  /** Scrape time, epoch milliseconds. */
  at: number;
  /** `recipe verb` → requests by status. */
  requests: Map<string, Map<string, number>>;
  /** `recipe verb` → cumulative bucket counts, by upper bound (ascending, +Inf last). */
  latency: Map<string, { le: number[]; cum: number[] }>;
  /** Unlabelled process gauges (resident memory, event-loop lag…). */
  gauges: Map<string, number>;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function labels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const m of text.matchAll(LABEL)) out[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  return out;
}

export const keyOf = (recipe: string, verb: string) => `${recipe} ${verb}`;

export function parseExposition(text: string, at: number): Sample {
  const sample: Sample = { at, requests: new Map(), latency: new Map(), gauges: new Map() };
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const [, name, labelText, raw] = m;
    const v = raw === '+Inf' ? Number.POSITIVE_INFINITY : Number(raw);
    if (!Number.isFinite(v) && raw !== '+Inf') continue;
    if (name === 'recotem_v1_requests_total') {
      const l = labels(labelText);
      const key = keyOf(l.recipe ?? '', l.verb ?? '');
      const byStatus = sample.requests.get(key) ?? new Map<string, number>();
      byStatus.set(l.status ?? '', (byStatus.get(l.status ?? '') ?? 0) + v);
      sample.requests.set(key, byStatus);
    } else if (name === 'recotem_v1_request_latency_seconds_bucket') {
      const l = labels(labelText);
      const key = keyOf(l.recipe ?? '', l.verb ?? '');
      const h = sample.latency.get(key) ?? { le: [], cum: [] };
      h.le.push(l.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(l.le));
      h.cum.push(v);
      sample.latency.set(key, h);
    } else if (labelText === undefined) {
      sample.gauges.set(name, v);
    }
  }
  for (const h of sample.latency.values()) {
    const order = h.le.map((_, i) => i).sort((a, b) => h.le[a] - h.le[b]);
    h.le = order.map((i) => h.le[i]);
    h.cum = order.map((i) => h.cum[i]);
  }
  return sample;
}

/** Answers other than `ok` count as errors (unknown users and items included: they are 404s). */
function totals(byStatus: Map<string, number> | undefined): { all: number; errors: number } {
  let all = 0;
  let errors = 0;
  for (const [status, n] of byStatus ?? []) {
    all += n;
    if (status !== 'ok') errors += n;
  }
  return { all, errors };
}

/** The q-quantile of the observations between two cumulative histograms, interpolated in its bucket. */
export function quantileBetween(
  before: { le: number[]; cum: number[] } | undefined,
  after: { le: number[]; cum: number[] },
  q: number,
): number | null {
  const delta = after.cum.map((c, i) => c - (before?.cum[i] ?? 0));
  const total = delta[delta.length - 1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < delta.length; i++) {
    if (delta[i] >= rank) {
      const upper = after.le[i];
      const lower = i === 0 ? 0 : after.le[i - 1];
      if (!Number.isFinite(upper)) return lower;
      const below = i === 0 ? 0 : delta[i - 1];
      const inBucket = delta[i] - below;
      return inBucket <= 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket;
    }
  }
  return null;
}

export interface Rates {
  rps: number;
  errorsPerSecond: number;
  /** Seconds; null when nothing was served in the interval. */
  p50: number | null;
  p99: number | null;
}

/** Per-(recipe, verb) rates between two scrapes. A counter that went down (restart) counts from zero. */
export function ratesBetween(a: Sample, b: Sample): Map<string, Rates> {
  const dt = (b.at - a.at) / 1000;
  const out = new Map<string, Rates>();
  if (dt <= 0) return out;
  for (const key of b.requests.keys()) {
    const now = totals(b.requests.get(key));
    let then = totals(a.requests.get(key));
    if (now.all < then.all) then = { all: 0, errors: 0 };
    const h = b.latency.get(key);
    const hb = a.latency.get(key);
    const reset = h !== undefined && hb !== undefined && (h.cum.at(-1) ?? 0) < (hb.cum.at(-1) ?? 0);
    out.set(key, {
      rps: (now.all - then.all) / dt,
      errorsPerSecond: (now.errors - then.errors) / dt,
      p50: h ? quantileBetween(reset ? undefined : hb, h, 0.5) : null,
      p99: h ? quantileBetween(reset ? undefined : hb, h, 0.99) : null,
    });
  }
  return out;
}
