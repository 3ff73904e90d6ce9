/** Sign-in: the operator pastes an API key, which is checked against the server before it is kept. */
import { useState } from 'preact/hooks';
import { type ApiError, getJson, storeKey } from './api';
import type { Overview } from './types';

export function Login({ reason, onSignedIn }: { reason: string | null; onSignedIn: (o: Overview) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(reason);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (trimmed === '') {
      setError('Paste an API key first.');
      return;
    }
    setBusy(true);
    try {
      const overview = await getJson<Overview>('/v1/overview', trimmed);
      storeKey(trimmed);
      onSignedIn(overview);
    } catch (err) {
      const e = err as ApiError;
      setError(e.status === 401 ? 'The server rejected this key.' : e.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <h1>Recotem console</h1>
      <p>Paste an API key of this server (one of the keys in RECOTEM_API_KEYS).</p>
      <form onSubmit={submit} noValidate>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          aria-invalid={error !== null}
          aria-describedby={error ? 'login-error key-note' : 'key-note'}
          autofocus
        />
        <p id="key-note" class="note">
          Kept in this tab's session storage only; sent as the X-API-Key header.
        </p>
        {error && (
          <p id="login-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
