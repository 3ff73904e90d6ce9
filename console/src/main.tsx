/** The operator console: sign-in with an API key, then Models, Model detail, Try it and Traffic. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type ApiError, getJson, setUnauthorizedHandler, storedKey, storeKey } from './api';
import { Login } from './login';
import { ModelDetail } from './pages/model-detail';
import { Models } from './pages/models';
import { Traffic } from './pages/traffic';
import { TryIt } from './pages/try-it';
import { startScraping, stopScraping } from './traffic-store';
import type { Overview } from './types';
import './style.css';

type Route =
  | { page: 'models' }
  | { page: 'model'; name: string }
  | { page: 'try'; name: string | null }
  | { page: 'traffic' };

function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'models' && parts[1]) return { page: 'model', name: parts[1] };
  if (parts[0] === 'try') return { page: 'try', name: parts[1] || null };
  if (parts[0] === 'traffic') return { page: 'traffic' };
  return { page: 'models' };
}

const TITLES: Record<Route['page'], string> = { models: 'Models', model: 'Model', try: 'Try it', traffic: 'Traffic' };

type Session = { state: 'checking' } | { state: 'signed-out'; reason: string | null } | { state: 'in'; auth: boolean };

function App() {
  const [route, setRoute] = useState<Route>(parseRoute(location.hash));
  const [session, setSession] = useState<Session>({ state: 'checking' });

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onHash);
    setUnauthorizedHandler((err) => {
      storeKey(null);
      stopScraping();
      setSession({
        state: 'signed-out',
        reason: err.code === 'MISSING_API_KEY' ? null : 'The server rejected the key.',
      });
    });
    // A key from earlier in this tab, or none on a server without keys.
    getJson<Overview>('/v1/overview', storedKey()).then(
      (o) => {
        setSession({ state: 'in', auth: o.server.auth });
        if (o.server.request_metrics) startScraping();
      },
      (err: ApiError) => {
        if (err.status !== 401) setSession({ state: 'signed-out', reason: err.message });
      },
    );
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    const title = route.page === 'model' ? route.name : TITLES[route.page];
    document.title = `${title} · Recotem console`;
    // Move focus to the new page's heading so keyboard and screen-reader users land on it.
    document.getElementById('page-heading')?.focus();
  }, [route]);

  if (session.state === 'checking') return <p class="checking">Connecting…</p>;
  if (session.state === 'signed-out') {
    return (
      <Login
        reason={session.reason}
        onSignedIn={(overview) => {
          setSession({ state: 'in', auth: overview.server.auth });
          if (overview.server.request_metrics) startScraping();
        }}
      />
    );
  }

  const signOut = () => {
    storeKey(null);
    stopScraping();
    setSession({ state: 'signed-out', reason: null });
  };
  const nav: [Route['page'], string, string][] = [
    ['models', '#/models', 'Models'],
    ['try', '#/try', 'Try it'],
    ['traffic', '#/traffic', 'Traffic'],
  ];
  const current = route.page === 'model' ? 'models' : route.page;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Recotem console</span>
        <nav aria-label="Console pages">
          <ul>
            {nav.map(([page, href, label]) => (
              <li key={page}>
                <a href={href} aria-current={current === page ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {session.auth && (
          <button type="button" class="link" onClick={signOut}>
            Sign out
          </button>
        )}
      </header>
      <main id="main">
        {route.page === 'models' && <Models />}
        {route.page === 'model' && <ModelDetail name={route.name} />}
        {route.page === 'try' && <TryIt name={route.name} />}
        {route.page === 'traffic' && <Traffic />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
