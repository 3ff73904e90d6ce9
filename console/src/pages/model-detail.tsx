/** One recipe's served model: how the search went, the best configurations, data and split. */
import uPlot from 'uplot';
import { getJson, recipePath } from '../api';
import { Chart, PALETTE } from '../chart';
import { count, score, shortVersion, value, when } from '../format';
import { usePolling } from '../hooks';
import type { Training } from '../types';

const REFRESH_MS = 10_000;

function searchChart(t: NonNullable<Training['search']>) {
  const trials = [...t.trials].sort((a, b) => a.t - b.t || a.n - b.n);
  const algorithms = [...new Set(trials.map((x) => x.algorithm))];
  const xs = trials.map((x) => x.t);
  const perAlgorithm = algorithms.map((a) => trials.map((x) => (x.algorithm === a ? x.score : null)));
  let best: number | null = null;
  const bestSoFar = trials.map((x) => {
    if (x.score !== null && (best === null || x.score > best)) best = x.score;
    return best;
  });
  const series: uPlot.Series[] = [
    { label: 'seconds' },
    ...algorithms.map((a, i) => ({
      label: a.replace(/Recommender$/, ''),
      stroke: PALETTE[i % PALETTE.length],
      fill: PALETTE[i % PALETTE.length],
      paths: () => null,
      points: { show: true, size: 8, fill: PALETTE[i % PALETTE.length] },
    })),
    {
      label: 'best so far',
      stroke: '#0f172a',
      width: 1.5,
      dash: [4, 3],
      spanGaps: true,
      points: { show: false },
      paths: uPlot.paths.stepped?.({ align: 1 }),
    },
  ];
  const options = {
    series,
    scales: { x: { time: false } },
    axes: [{ label: 'seconds since the search started' }, { label: 'score', size: 60 }],
    legend: { live: false },
    cursor: { show: true, points: { show: false } },
  };
  const data = [xs, ...perAlgorithm, bestSoFar] as unknown as uPlot.AlignedData;
  return { options, data };
}

function Params({ params }: { params: Record<string, unknown> | null }) {
  if (!params) return <span>–</span>;
  const entries = Object.entries(params).filter(([k]) => k !== 'recommender_class_name');
  if (entries.length === 0) return <span class="unit">defaults</span>;
  return (
    <ul class="params">
      {entries.map(([k, v]) => (
        <li key={k}>
          <code>{k}</code> = {value(v)}
        </li>
      ))}
    </ul>
  );
}

function Stats({ rows }: { rows: [string, unknown][] }) {
  return (
    <dl class="stats">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{typeof v === 'number' ? count(v) : value(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

export function ModelDetail({ name }: { name: string }) {
  const { data: t, error } = usePolling(() => getJson<Training>(`${recipePath(name)}/training`), REFRESH_MS, [name]);
  const metric = t?.metric ? `${t.metric}@${t.cutoff}` : 'score';
  const chart = t?.search ? searchChart(t.search) : null;
  return (
    <>
      <p class="crumbs">
        <a href="#/models">Models</a> / {name}
      </p>
      <h1 id="page-heading" tabIndex={-1}>
        {name}
      </h1>
      {error && (
        <p class="error" role="alert">
          {error.message}
        </p>
      )}
      {!t && !error && <p>Loading…</p>}
      {t && (
        <>
          <section class="summary" aria-label="Served model">
            <Stats
              rows={[
                ['model version', shortVersion(t.model_version)],
                ['trained at', when(t.trained_at)],
                ['algorithm', t.best_class],
                [`best ${metric}`, score(t.best_score)],
                ['users', t.model.n_users],
                ['items', t.model.n_items],
              ]}
            />
            <p>
              <a class="button" href={`#/try/${encodeURIComponent(name)}`}>
                Try this model
              </a>
            </p>
          </section>

          <section aria-labelledby="search-heading">
            <h2 id="search-heading">Search</h2>
            {t.search && chart ? (
              <>
                <p class="note">
                  {metric} of each trial over time, one colour per algorithm; the dashed line is the best so far.{' '}
                  {t.search.n_trials} trials
                  {t.search.truncated ? ` (${t.search.trials.length} shown: every improvement and a sample)` : ''}.
                </p>
                <Chart
                  label={`${metric} per trial over the search, by algorithm`}
                  options={chart.options}
                  data={chart.data}
                />
                <details>
                  <summary>Trials as a table</summary>
                  <div class="table-wrap">
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">Trial</th>
                          <th scope="col">Algorithm</th>
                          <th scope="col">State</th>
                          <th scope="col">{metric}</th>
                          <th scope="col">Finished (s)</th>
                        </tr>
                      </thead>
                      <tbody>
                        {t.search.trials.map((x) => (
                          <tr key={x.n}>
                            <td>{x.n}</td>
                            <td>{x.algorithm}</td>
                            <td>{x.state}</td>
                            <td>{score(x.score)}</td>
                            <td>{x.t.toFixed(1)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                </details>
              </>
            ) : (
              <p>This artifact carries no search summary (it was trained by an older version).</p>
            )}
          </section>

          <section aria-labelledby="best-heading">
            <h2 id="best-heading">Best configuration per algorithm</h2>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Algorithm</th>
                    <th scope="col">Completed</th>
                    <th scope="col">Pruned or failed</th>
                    <th scope="col">Best {metric}</th>
                    <th scope="col">Parameters</th>
                  </tr>
                </thead>
                <tbody>
                  {(t.search?.algorithms ?? []).map((a) => (
                    <tr key={a.algorithm} class={a.algorithm === t.best_class ? 'chosen' : undefined}>
                      <th scope="row">
                        {a.algorithm}
                        {a.algorithm === t.best_class && <span class="badge loaded">served</span>}
                      </th>
                      <td>{a.completed}</td>
                      <td>{a.other}</td>
                      <td>{score(a.best_score)}</td>
                      <td>
                        <Params params={a.best_params} />
                      </td>
                    </tr>
                  ))}
                  {!t.search && (
                    <tr>
                      <th scope="row">{t.best_class}</th>
                      <td>–</td>
                      <td>–</td>
                      <td>{score(t.best_score)}</td>
                      <td>
                        <Params params={t.best_params} />
                      </td>
                    </tr>
                  )}
                </tbody>
              </table>
            </div>
          </section>

          <div class="grid">
            <section aria-labelledby="data-heading">
              <h2 id="data-heading">Data</h2>
              <Stats rows={Object.entries(t.data_stats ?? {})} />
            </section>
            <section aria-labelledby="split-heading">
              <h2 id="split-heading">Split</h2>
              {t.search ? <Stats rows={Object.entries(t.search.split)} /> : <p>–</p>}
            </section>
            <section aria-labelledby="serving-heading">
              <h2 id="serving-heading">Serving</h2>
              <Stats
                rows={[
                  ['metadata fields', t.item_metadata.fields.join(', ') || '–'],
                  ['filterable', t.item_metadata.filterable.join(', ') || '–'],
                  ['explains (because)', t.model.explains ? 'yes' : 'no'],
                  ['unknown users', t.serving.unknown_user === 'popular' ? 'popular items' : 'error 404'],
                  ['max history', t.serving.max_history],
                ]}
              />
            </section>
          </div>
        </>
      )}
    </>
  );
}
