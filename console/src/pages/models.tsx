/** Every recipe the server knows, with its state and model, refreshed every few seconds. */
import { getJson } from '../api';
import { count, duration, score, shortVersion, when } from '../format';
import { usePolling } from '../hooks';
import type { Overview, RecipeOverview } from '../types';

const REFRESH_MS = 3000;

const STATE_TEXT: Record<RecipeOverview['state'], string> = {
  loaded: 'Loaded',
  stale: 'Stale',
  failed: 'Failed',
  loading: 'Loading',
};

function StateCell({ r }: { r: RecipeOverview }) {
  return (
    <td>
      <span class={`badge ${r.state}`}>{STATE_TEXT[r.state]}</span>
      {r.error && <div class="error-text">{r.error}</div>}
    </td>
  );
}

export function Models() {
  const { data, error, updatedAt } = usePolling(() => getJson<Overview>('/v1/overview'), REFRESH_MS);
  return (
    <>
      <h1 id="page-heading" tabIndex={-1}>
        Models
      </h1>
      {data && (
        <p class="server-line">
          Server {data.server.version} · <span class={`badge ${data.server.status}`}>{data.server.status}</span> · up{' '}
          {duration(data.server.uptime_seconds)} · scoring {data.server.workers}
        </p>
      )}
      <p class="note" aria-live="polite">
        {error
          ? `Refresh failed: ${error.message}`
          : updatedAt
            ? `Updated ${updatedAt.toLocaleTimeString()} (every ${REFRESH_MS / 1000} s)`
            : 'Loading…'}
      </p>
      {data && data.recipes.length === 0 && <p>No recipe is registered.</p>}
      {data && data.recipes.length > 0 && (
        <div class="table-wrap">
          <table class="models">
            <caption class="sr-only">Recipes served by this server</caption>
            <thead>
              <tr>
                <th scope="col">Recipe</th>
                <th scope="col">State</th>
                <th scope="col">Model version</th>
                <th scope="col">Trained at</th>
                <th scope="col">Algorithm</th>
                <th scope="col">Best score</th>
                <th scope="col">Rows / users / items</th>
                <th scope="col">Last hot-swap</th>
              </tr>
            </thead>
            <tbody>
              {data.recipes.map((r) => (
                <tr key={r.name} data-recipe={r.name}>
                  <th scope="row">
                    {r.model_version ? <a href={`#/models/${encodeURIComponent(r.name)}`}>{r.name}</a> : r.name}
                  </th>
                  <StateCell r={r} />
                  <td>
                    <code class="version" title={r.model_version ?? ''}>
                      {shortVersion(r.model_version)}
                    </code>
                  </td>
                  <td>{when(r.trained_at)}</td>
                  <td>{r.best_class?.replace(/Recommender$/, '') ?? '–'}</td>
                  <td>
                    {score(r.best_score)}
                    {r.metric && (
                      <span class="unit">
                        {' '}
                        {r.metric}@{r.cutoff}
                      </span>
                    )}
                  </td>
                  <td>
                    {r.data_stats
                      ? `${count(r.data_stats.n_rows)} / ${count(r.data_stats.n_users)} / ${count(r.data_stats.n_items)}`
                      : '–'}
                  </td>
                  <td class="swap">
                    {r.last_swap_at ? (
                      <>
                        {when(r.last_swap_at)} <span class="unit">({r.swap_count}×)</span>
                      </>
                    ) : r.loaded_at ? (
                      <span class="unit">none since start (loaded {when(r.loaded_at)})</span>
                    ) : (
                      '–'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
