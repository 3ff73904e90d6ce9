/**
 * Ask the served model: recommendations for a user (optionally with a history of items, which
 * also serves a new user), or items related to some items, with filters and exclusions.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type ApiError, getJson, postJson, recipePath } from '../api';
import { idList, score, value } from '../format';
import { usePolling } from '../hooks';
import type { Overview, RecommendResponse, Training } from '../types';

type Mode = 'user' | 'related';
type Op = 'eq' | 'in' | 'nin' | 'gte' | 'lte';
interface FilterRow {
  field: string;
  op: Op;
  text: string;
}

const OPS: [Op, string][] = [
  ['eq', 'equals'],
  ['in', 'is one of'],
  ['nin', 'is none of'],
  ['gte', 'at least'],
  ['lte', 'at most'],
];

/** Numbers typed as numbers compare numerically on the server; anything else stays text. */
function operand(text: string): string | number {
  const t = text.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

function filterBody(rows: FilterRow[]): Record<string, Record<string, unknown>> | undefined {
  const out: Record<string, Record<string, unknown>> = {};
  for (const r of rows) {
    if (r.text.trim() === '') continue;
    out[r.field] ??= {};
    const cond = out[r.field];
    cond[r.op] = r.op === 'in' || r.op === 'nin' ? r.text.split(',').map(operand) : operand(r.text);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function Field({
  id,
  label,
  hint,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <small id={`${id}-hint`} class="note">
          {hint}
        </small>
      )}
    </div>
  );
}

export function TryIt({ name }: { name: string | null }) {
  const overview = usePolling(() => getJson<Overview>('/v1/overview'), null);
  const servable = overview.data?.recipes.filter((r) => r.model_version !== null) ?? [];
  const recipe = name ?? servable[0]?.name ?? null;
  const training = usePolling(
    () => (recipe ? getJson<Training>(`${recipePath(recipe)}/training`) : Promise.resolve(null)),
    null,
    [recipe],
  );
  const t = training.data;

  const [mode, setMode] = useState<Mode>('user');
  const [userId, setUserId] = useState('');
  const [history, setHistory] = useState('');
  const [seeds, setSeeds] = useState('');
  const [limit, setLimit] = useState('10');
  const [exclude, setExclude] = useState('');
  const [excludeMode, setExcludeMode] = useState<'after_cut' | 'before_cut'>('after_cut');
  const [filters, setFilters] = useState<FilterRow[]>([]);
  const [result, setResult] = useState<RecommendResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setResult(null);
    setError(null);
    setFilters([]);
  }, [recipe]);

  const run = async (override?: { mode: Mode; seeds: string[] }) => {
    if (!recipe) return;
    const m = override?.mode ?? mode;
    const common = {
      limit: Math.max(1, Math.min(1000, Number.parseInt(limit, 10) || 10)),
      exclude_items: idList(exclude).length > 0 ? idList(exclude) : null,
      exclude_mode: excludeMode,
      filter: filterBody(filters),
      explain: true,
    };
    let body: Record<string, unknown>;
    if (m === 'related') {
      body = { seed_items: override?.seeds ?? idList(seeds), ...common };
    } else {
      const h = idList(history);
      // A new user is any id the model has not seen, described by the history alone.
      body = { user_id: userId.trim() || 'console-new-user', ...common, ...(h.length > 0 ? { history: h } : {}) };
    }
    setBusy(true);
    setError(null);
    try {
      const verb = m === 'related' ? 'recommend-related' : 'recommend';
      setResult(await postJson<RecommendResponse>(`${recipePath(recipe)}:${verb}`, body));
    } catch (err) {
      setResult(null);
      setError((err as ApiError).message);
    } finally {
      setBusy(false);
    }
  };

  const related = (itemId: string) => {
    setMode('related');
    setSeeds(itemId);
    void run({ mode: 'related', seeds: [itemId] });
  };

  const fields = t?.item_metadata.fields ?? [];
  const filterable = t?.item_metadata.filterable ?? [];
  const submit = (e: Event) => {
    e.preventDefault();
    void run();
  };

  return (
    <>
      <h1 id="page-heading" tabIndex={-1}>
        Try it
      </h1>
      {overview.error && (
        <p class="error" role="alert">
          {overview.error.message}
        </p>
      )}
      <form class="try" onSubmit={submit}>
        <Field id="recipe" label="Recipe">
          <select
            id="recipe"
            value={recipe ?? ''}
            onChange={(e) => {
              location.hash = `#/try/${encodeURIComponent((e.target as HTMLSelectElement).value)}`;
            }}
          >
            {servable.map((r) => (
              <option key={r.name} value={r.name}>
                {r.name}
              </option>
            ))}
          </select>
        </Field>

        <fieldset class="mode">
          <legend>Ask for</legend>
          <label>
            <input type="radio" name="mode" value="user" checked={mode === 'user'} onChange={() => setMode('user')} />{' '}
            Recommendations for a user
          </label>
          <label>
            <input
              type="radio"
              name="mode"
              value="related"
              checked={mode === 'related'}
              onChange={() => setMode('related')}
            />{' '}
            Items related to items
          </label>
        </fieldset>

        {mode === 'user' ? (
          <div class="row">
            <Field id="user-id" label="User id" hint="Leave empty for a new user described by the history.">
              <input
                id="user-id"
                value={userId}
                aria-describedby="user-id-hint"
                onInput={(e) => setUserId((e.target as HTMLInputElement).value)}
              />
            </Field>
            <Field
              id="history"
              label="History (item ids, optional)"
              hint={`Recent items of this user, separated by commas or spaces; at most ${t?.serving.max_history ?? 100}.`}
            >
              <textarea
                id="history"
                rows={2}
                value={history}
                aria-describedby="history-hint"
                onInput={(e) => setHistory((e.target as HTMLTextAreaElement).value)}
              />
            </Field>
          </div>
        ) : (
          <Field id="seeds" label="Seed items" hint="Item ids separated by commas or spaces.">
            <input
              id="seeds"
              value={seeds}
              aria-describedby="seeds-hint"
              onInput={(e) => setSeeds((e.target as HTMLInputElement).value)}
            />
          </Field>
        )}

        <div class="row">
          <Field id="limit" label="How many">
            <input
              id="limit"
              type="number"
              min={1}
              max={1000}
              value={limit}
              onInput={(e) => setLimit((e.target as HTMLInputElement).value)}
            />
          </Field>
          <Field id="exclude" label="Exclude items">
            <input id="exclude" value={exclude} onInput={(e) => setExclude((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="exclude-mode" label="Exclude mode">
            <select
              id="exclude-mode"
              value={excludeMode}
              onChange={(e) => setExcludeMode((e.target as HTMLSelectElement).value as 'after_cut' | 'before_cut')}
            >
              <option value="after_cut">after the cut (may return fewer)</option>
              <option value="before_cut">before the cut (always fills the list)</option>
            </select>
          </Field>
        </div>

        <fieldset class="filters">
          <legend>Filters</legend>
          {filterable.length === 0 && <p class="note">This recipe declares no filterable metadata field.</p>}
          {filters.map((f, i) => (
            <div class="row filter" key={i}>
              <Field id={`filter-field-${i}`} label="Field">
                <select
                  id={`filter-field-${i}`}
                  value={f.field}
                  onChange={(e) =>
                    setFilters(
                      filters.map((x, j) => (j === i ? { ...x, field: (e.target as HTMLSelectElement).value } : x)),
                    )
                  }
                >
                  {filterable.map((name) => (
                    <option key={name}>{name}</option>
                  ))}
                </select>
              </Field>
              <Field id={`filter-op-${i}`} label="Condition">
                <select
                  id={`filter-op-${i}`}
                  value={f.op}
                  onChange={(e) =>
                    setFilters(
                      filters.map((x, j) => (j === i ? { ...x, op: (e.target as HTMLSelectElement).value as Op } : x)),
                    )
                  }
                >
                  {OPS.map(([op, label]) => (
                    <option key={op} value={op}>
                      {label}
                    </option>
                  ))}
                </select>
              </Field>
              <Field id={`filter-value-${i}`} label="Value">
                <input
                  id={`filter-value-${i}`}
                  value={f.text}
                  onInput={(e) =>
                    setFilters(
                      filters.map((x, j) => (j === i ? { ...x, text: (e.target as HTMLInputElement).value } : x)),
                    )
                  }
                />
              </Field>
              <button type="button" class="link" onClick={() => setFilters(filters.filter((_, j) => j !== i))}>
                Remove<span class="sr-only"> filter {i + 1}</span>
              </button>
            </div>
          ))}
          {filterable.length > 0 && (
            <button
              type="button"
              class="secondary"
              onClick={() => setFilters([...filters, { field: filterable[0], op: 'eq', text: '' }])}
            >
              Add a filter
            </button>
          )}
        </fieldset>

        <button type="submit" disabled={busy || !recipe}>
          {busy ? 'Asking…' : 'Recommend'}
        </button>
      </form>

      <section aria-labelledby="results-heading" aria-live="polite">
        <h2 id="results-heading">Results</h2>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {!error && !result && <p class="note">Nothing asked yet.</p>}
        {result && result.items.length === 0 && <p>No item came back.</p>}
        {result && result.items.length > 0 && (
          <>
            <p class="note">
              {result.items.length} items from model{' '}
              <code>{result.model_version.replace(/^sha256:/, '').slice(0, 12)}</code> (request {result.request_id}).
            </p>
            <div class="table-wrap">
              <table class="results">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Item</th>
                    {fields.map((f) => (
                      <th scope="col" key={f}>
                        {f}
                      </th>
                    ))}
                    <th scope="col">Score</th>
                    {t?.model.explains && <th scope="col">Because</th>}
                    <th scope="col">
                      <span class="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {result.items.map((item, i) => (
                    <tr key={item.item_id}>
                      <td>{i + 1}</td>
                      <th scope="row">
                        <code>{item.item_id}</code>
                      </th>
                      {fields.map((f) => (
                        <td key={f}>{value(item[f])}</td>
                      ))}
                      <td>{score(item.score)}</td>
                      {t?.model.explains && (
                        <td>{item.because?.map((b) => `${b.item_id} (${score(b.weight, 3)})`).join(', ') ?? '–'}</td>
                      )}
                      <td>
                        <button type="button" class="link" onClick={() => related(item.item_id)}>
                          Related<span class="sr-only"> to {item.item_id}</span>
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
    </>
  );
}
