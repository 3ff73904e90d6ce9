/**
 * `recotem train --report report.html`: one self-contained HTML page (inline CSS and SVG, no
 * scripts, no network) that summarises a training run for a person.
 */

export interface ReportTrial {
  number: number;
  algorithm: string;
  state: string;
  /** Target metric, null for pruned or failed trials. */
  score: number | null;
  /** Seconds since the search started when the trial finished. */
  finishedAt: number;
  params: Record<string, unknown>;
}

export interface TrainingReport {
  recipeName: string;
  runId: string;
  trainedAt: string;
  metric: string;
  cutoff: number;
  dataStats: Record<string, number | string>;
  split: {
    scheme: string;
    heldoutRatio: number;
    testUserRatio: number;
    seed: number;
    searchUsers: number;
    validationUsers: number;
    heldoutInteractions: number;
  };
  trials: ReportTrial[];
  bestClass: string;
  bestParams: Record<string, unknown>;
  bestScore: number;
  /** All metrics of the best configuration on the validation split, when measured. */
  finalMetrics?: Record<string, number>;
  artifactPath: string;
  wallSeconds: number;
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4d7c0f'];

function esc(v: unknown): string {
  return String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  if (v === null || v === undefined) return '–';
  return String(v);
}

function table(rows: [string, unknown][]): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(fmt(v))}</td></tr>`).join('')}</table>`;
}

/** Score of every completed trial over time, one colour per algorithm, plus the running best. */
function trialChart(trials: ReportTrial[], metricLabel: string): string {
  const done = trials.filter((t) => t.score !== null);
  if (done.length === 0) return '<p>No trial completed.</p>';
  const W = 760;
  const H = 320;
  const pad = { l: 60, r: 20, t: 20, b: 44 };
  const maxT = Math.max(...done.map((t) => t.finishedAt), 1e-3);
  const scores = done.map((t) => t.score as number);
  const lo = Math.min(...scores);
  const hi = Math.max(...scores);
  const span = hi - lo || Math.abs(hi) || 1;
  const y0 = lo - span * 0.05;
  const y1 = hi + span * 0.05;
  const x = (t: number) => pad.l + (t / maxT) * (W - pad.l - pad.r);
  const y = (s: number) => pad.t + (1 - (s - y0) / (y1 - y0)) * (H - pad.t - pad.b);
  const algorithms = [...new Set(trials.map((t) => t.algorithm))];
  const colour = (a: string) => PALETTE[algorithms.indexOf(a) % PALETTE.length];
  const sorted = [...done].sort((a, b) => a.finishedAt - b.finishedAt);
  let best = Number.NEGATIVE_INFINITY;
  const steps: string[] = [];
  for (const t of sorted) {
    if ((t.score as number) > best) {
      if (steps.length > 0) steps.push(`L${x(t.finishedAt).toFixed(1)},${y(best).toFixed(1)}`);
      best = t.score as number;
      steps.push(`${steps.length === 0 ? 'M' : 'L'}${x(t.finishedAt).toFixed(1)},${y(best).toFixed(1)}`);
    }
  }
  steps.push(`L${x(maxT).toFixed(1)},${y(best).toFixed(1)}`);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => y0 + f * (y1 - y0));
  const points = done
    .map(
      (t) =>
        `<circle cx="${x(t.finishedAt).toFixed(1)}" cy="${y(t.score as number).toFixed(1)}" r="4" fill="${colour(t.algorithm)}"><title>#${t.number} ${esc(t.algorithm)}: ${fmt(t.score)}</title></circle>`,
    )
    .join('');
  const legend = algorithms
    .map(
      (a, i) =>
        `<g transform="translate(${pad.l + i * 150},${H - 10})"><circle r="5" fill="${colour(a)}"/><text x="10" y="4">${esc(a)}</text></g>`,
    )
    .join('');
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="trial scores over time">
<rect x="${pad.l}" y="${pad.t}" width="${W - pad.l - pad.r}" height="${H - pad.t - pad.b}" fill="#f8fafc" stroke="#cbd5e1"/>
${ticks.map((v) => `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e2e8f0"/><text x="${pad.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(3)}</text>`).join('')}
<text x="${(W + pad.l) / 2}" y="${H - 26}" text-anchor="middle">seconds since search start (0 – ${maxT.toFixed(1)})</text>
<text x="14" y="${(H - pad.b) / 2}" transform="rotate(-90 14 ${(H - pad.b) / 2})" text-anchor="middle">${esc(metricLabel)}</text>
<path d="${steps.join(' ')}" fill="none" stroke="#0f172a" stroke-width="1.5" stroke-dasharray="4 3"/>
${points}${legend}</svg>`;
}

function bestPerAlgorithm(trials: ReportTrial[]): string {
  const best = new Map<string, ReportTrial>();
  const counts = new Map<string, { done: number; pruned: number }>();
  for (const t of trials) {
    const c = counts.get(t.algorithm) ?? { done: 0, pruned: 0 };
    if (t.score === null) c.pruned++;
    else c.done++;
    counts.set(t.algorithm, c);
    const cur = best.get(t.algorithm);
    if (t.score !== null && (cur === undefined || (cur.score as number) < t.score)) best.set(t.algorithm, t);
  }
  const rows = [...counts.entries()].map(([alg, c]) => {
    const b = best.get(alg);
    const params = b
      ? Object.entries(b.params)
          .map(([k, v]) => `${esc(k)}=${esc(fmt(v))}`)
          .join(', ')
      : '–';
    return `<tr><td>${esc(alg)}</td><td>${c.done}</td><td>${c.pruned}</td><td>${esc(fmt(b?.score ?? null))}</td><td>${params}</td></tr>`;
  });
  return `<table class="wide"><tr><th>algorithm</th><th>completed</th><th>pruned</th><th>best score</th><th>best configuration</th></tr>${rows.join('')}</table>`;
}

export function renderTrainingReport(r: TrainingReport): string {
  const metricLabel = `${r.metric}@${r.cutoff}`;
  const final = r.finalMetrics
    ? table(Object.entries(r.finalMetrics).map(([k, v]) => [`${k}@${r.cutoff}`, v]))
    : `<p>${esc(metricLabel)} of the best trial: ${esc(fmt(r.bestScore))}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Recotem training report: ${esc(r.recipeName)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:860px;color:#0f172a}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #e2e8f0}
table{border-collapse:collapse;margin:.5rem 0}th,td{padding:.2rem .8rem;text-align:left;border-bottom:1px solid #f1f5f9;vertical-align:top}
th{color:#475569;font-weight:600}table.wide{width:100%}svg text{font-size:11px;fill:#334155}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
</style></head><body>
<h1>Training report: ${esc(r.recipeName)}</h1>
<p>Run <code>${esc(r.runId)}</code>, finished ${esc(r.trainedAt)} in ${r.wallSeconds.toFixed(1)} s. Artifact: <code>${esc(r.artifactPath)}</code></p>
<div class="grid"><section><h2>Data</h2>${table(Object.entries(r.dataStats))}</section>
<section><h2>Split</h2>${table([
    ['scheme', r.split.scheme],
    ['heldout_ratio', r.split.heldoutRatio],
    ['test_user_ratio', r.split.testUserRatio],
    ['seed', r.split.seed],
    ['users in search matrix', r.split.searchUsers],
    ['validation users', r.split.validationUsers],
    ['held-out interactions', r.split.heldoutInteractions],
  ])}</section></div>
<h2>Trials (${r.trials.length})</h2>
${trialChart(r.trials, metricLabel)}
<h2>Best configuration per algorithm</h2>
${bestPerAlgorithm(r.trials)}
<h2>Final model</h2>
<p><strong>${esc(r.bestClass)}</strong> ${esc(
    Object.entries(r.bestParams)
      .map(([k, v]) => `${k}=${fmt(v)}`)
      .join(', '),
  )}</p>
${final}
</body></html>
`;
}
