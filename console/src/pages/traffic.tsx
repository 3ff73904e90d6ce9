/**
 * Requests per second, p50/p99 latency and errors per recipe and verb, from scrapes of
 * `/v1/metrics` taken while the console is open; and the health of the server.
 */
import { useEffect, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { getJson } from '../api';
import { Chart, PALETTE } from '../chart';
import { duration } from '../format';
import { usePolling } from '../hooks';
import { SCRAPE_MS, subscribe, trafficSeries } from '../traffic-store';
import type { HealthDetails, Overview } from '../types';

type Pick = 'rps' | 'errorsPerSecond' | 'p50' | 'p99';

function timeChart(times: number[], keys: string[], rows: (number | null)[][], unit: string) {
  const series: uPlot.Series[] = [
    {},
    ...keys.map((k, i) => ({
      label: k,
      stroke: PALETTE[i % PALETTE.length],
      width: 1.5,
      spanGaps: false,
      points: { show: times.length < 3 },
    })),
  ];
  return {
    options: {
      series,
      axes: [{}, { label: unit, size: 60 }],
      legend: { live: false },
      scales: {
        // At least the last two minutes, so a fresh console does not stretch a few seconds across the chart.
        x: {
          time: true,
          range: (u: uPlot): uPlot.Range.MinMax => {
            const xs = u.data[0] as number[];
            const last = xs.at(-1) ?? Date.now() / 1000;
            return [Math.min(xs[0] ?? last, last - 120), last];
          },
        },
        y: { range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, max > 0 ? max * 1.15 : 1] },
      },
    },
    data: [times, ...rows] as unknown as uPlot.AlignedData,
  };
}

function fmtRate(v: number | null | undefined): string {
  return typeof v === 'number' ? v.toFixed(2) : '–';
}

function fmtMs(v: number | null | undefined): string {
  return typeof v === 'number' ? `${(v * 1000).toFixed(1)} ms` : '–';
}

export function Traffic() {
  const overview = usePolling(() => getJson<Overview>('/v1/overview'), 5000);
  const health = usePolling(() => getJson<HealthDetails>('/v1/health/details').catch(() => null), 5000);
  const [series, setSeries] = useState(trafficSeries());
  useEffect(() => subscribe(() => setSeries(trafficSeries())), []);

  const server = overview.data?.server;
  const keys = [...series.byKey.keys()].sort();
  const pick = (p: Pick, scale = 1) =>
    keys.map((k) => (series.byKey.get(k) ?? []).map((r) => (r[p] === null ? null : (r[p] as number) * scale)));
  const latencyKeys = keys.flatMap((k) => [`${k} p50`, `${k} p99`]);
  const latencyRows = keys.flatMap((k) => {
    const list = series.byKey.get(k) ?? [];
    return [
      list.map((r) => (r.p50 === null ? null : r.p50 * 1000)),
      list.map((r) => (r.p99 === null ? null : r.p99 * 1000)),
    ];
  });
  const gauges = series.latest?.gauges;

  return (
    <>
      <h1 id="page-heading" tabIndex={-1}>
        Traffic
      </h1>
      <section aria-labelledby="health-heading">
        <h2 id="health-heading">Server health</h2>
        {server ? (
          <dl class="stats">
            <div>
              <dt>status</dt>
              <dd>
                <span class={`badge ${server.status}`}>{server.status}</span>
              </dd>
            </div>
            <div>
              <dt>up for</dt>
              <dd>{duration(server.uptime_seconds)}</dd>
            </div>
            <div>
              <dt>version</dt>
              <dd>{server.version}</dd>
            </div>
            <div>
              <dt>scoring</dt>
              <dd>{server.workers}</dd>
            </div>
            {gauges?.has('process_resident_memory_bytes') && (
              <div>
                <dt>resident memory</dt>
                <dd>{((gauges.get('process_resident_memory_bytes') ?? 0) / 2 ** 20).toFixed(0)} MiB</dd>
              </div>
            )}
            {gauges?.has('nodejs_eventloop_lag_p99_seconds') && (
              <div>
                <dt>event-loop lag p99</dt>
                <dd>{fmtMs(gauges.get('nodejs_eventloop_lag_p99_seconds'))}</dd>
              </div>
            )}
          </dl>
        ) : (
          <p>{overview.error ? overview.error.message : 'Loading…'}</p>
        )}
        {health.data && (
          <ul class="health-list">
            {Object.entries(health.data.recipes).map(([name, r]) => (
              <li key={name}>
                <span class={`badge ${r.loaded ? (r.error ? 'stale' : 'loaded') : 'failed'}`}>
                  {r.loaded ? (r.error ? 'stale' : 'loaded') : 'not loaded'}
                </span>{' '}
                {name}
                {r.error && <span class="error-text"> {r.error}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="requests-heading">
        <h2 id="requests-heading">Requests</h2>
        {server && !server.request_metrics ? (
          <p>
            Request metrics are off on this server: start it with <code>RECOTEM_METRICS_ENABLED=1</code> to see requests
            per second, latency and errors here.
          </p>
        ) : (
          <>
            <p class="note" aria-live="polite">
              {series.error
                ? `Reading /v1/metrics failed: ${series.error}`
                : `Sampled every ${SCRAPE_MS / 1000} s while the console is open; ${series.times.length} intervals so far.`}
            </p>
            {keys.length === 0 ? (
              <p>No recommendation request has been served yet.</p>
            ) : (
              <>
                <div class="table-wrap">
                  <table>
                    <caption class="sr-only">Latest interval per recipe and verb</caption>
                    <thead>
                      <tr>
                        <th scope="col">Recipe and verb</th>
                        <th scope="col">Requests/s</th>
                        <th scope="col">p50</th>
                        <th scope="col">p99</th>
                        <th scope="col">Errors/s</th>
                      </tr>
                    </thead>
                    <tbody>
                      {keys.map((k) => {
                        const last = series.byKey.get(k)?.at(-1);
                        return (
                          <tr key={k}>
                            <th scope="row">{k}</th>
                            <td>{fmtRate(last?.rps)}</td>
                            <td>{fmtMs(last?.p50)}</td>
                            <td>{fmtMs(last?.p99)}</td>
                            <td>{fmtRate(last?.errorsPerSecond)}</td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
                <h3>Requests per second</h3>
                <TimeChart
                  label="Requests per second by recipe and verb"
                  {...timeChart(series.times, keys, pick('rps'), 'req/s')}
                />
                <h3>Latency (ms)</h3>
                <TimeChart
                  label="p50 and p99 latency by recipe and verb"
                  {...timeChart(series.times, latencyKeys, latencyRows, 'ms')}
                />
                <h3>Errors per second</h3>
                <TimeChart
                  label="Error answers per second by recipe and verb"
                  {...timeChart(series.times, keys, pick('errorsPerSecond'), 'errors/s')}
                />
              </>
            )}
          </>
        )}
      </section>
      <p class="note">Error answers are every answer other than a success (unknown users and items included).</p>
    </>
  );
}

function TimeChart(props: {
  label: string;
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
}) {
  return <Chart label={props.label} options={props.options} data={props.data} height={200} />;
}
