// The README's first command: train the tutorial recipe, serve it, ask for recommendations, stop.
//   npm run demo                 # train, serve, one request each for a user and an item, then stop
//   npm run demo -- --keep-serving   # leave the server running and print the console URL and key
// Keys are generated for this run only; nothing is written outside ./artifacts.
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin/recotem.js');
const recipeDir = 'examples/tutorial-purchase-log';
const keepServing = process.argv.includes('--keep-serving');

function keygen(type) {
  const out = execFileSync(process.execPath, [cli, 'keygen', '--type', type, '--kid', `demo-${type}`], {
    encoding: 'utf8',
  });
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).split('  #')[0]]),
  );
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

const signing = keygen('signing');
const api = keygen('api');
const env = {
  ...process.env,
  RECOTEM_SIGNING_KEYS: `${signing.kid}:${signing.plaintext}`,
  RECOTEM_API_KEYS: api.env_entry.slice('RECOTEM_API_KEYS='.length),
  RECOTEM_LOG_FORMAT: process.env.RECOTEM_LOG_FORMAT ?? 'console',
  // The console's Traffic page charts these.
  RECOTEM_METRICS_ENABLED: process.env.RECOTEM_METRICS_ENABLED ?? '1',
};

console.log(`\n== 1/3 training ${recipeDir}/recipe.yaml`);
execFileSync(process.execPath, [cli, 'train', `${recipeDir}/recipe.yaml`, '--quiet'], {
  cwd: root,
  env,
  stdio: 'inherit',
});

const port = await freePort();
console.log(`\n== 2/3 serving on http://127.0.0.1:${port}`);
const server = spawn(process.execPath, [cli, 'serve', '--recipes', recipeDir, '--port', String(port)], {
  cwd: root,
  env,
  stdio: ['ignore', 'inherit', 'inherit'],
});
let exited = false;
server.once('exit', () => {
  exited = true;
});

const base = `http://127.0.0.1:${port}`;
const deadline = Date.now() + 30_000;
for (;;) {
  if (exited) throw new Error('the server exited during start-up (see its log above)');
  try {
    if ((await fetch(`${base}/v1/health`)).ok) break;
  } catch {
    // not listening yet
  }
  if (Date.now() > deadline) throw new Error('the server did not become healthy within 30 s');
  await new Promise((r) => setTimeout(r, 200));
}

async function post(path, body) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': api.plaintext },
    body: JSON.stringify(body),
  });
  return { status: res.status, modelVersion: res.headers.get('x-recotem-model-version'), body: await res.json() };
}

console.log('\n== 3/3 asking for recommendations');
const forUser = await post('/v1/recipes/purchase_log:recommend', { user_id: 'user-0001', limit: 5 });
console.log(`POST /v1/recipes/purchase_log:recommend {"user_id":"user-0001","limit":5} -> ${forUser.status}`);
console.log(JSON.stringify(forUser.body, null, 2));
const related = await post('/v1/recipes/purchase_log:recommend-related', { seed_items: ['item-006'], limit: 3 });
console.log(
  `POST /v1/recipes/purchase_log:recommend-related {"seed_items":["item-006"],"limit":3} -> ${related.status}`,
);
console.log(JSON.stringify(related.body, null, 2));

if (keepServing) {
  console.log(`\nServing at ${base}. Ctrl-C stops it.`);
  console.log(`Operator console: ${base}/console/`);
  console.log(`API key for this run (paste it into the console, or send it as X-API-Key): ${api.plaintext}`);
  process.on('SIGINT', () => server.kill('SIGTERM'));
} else {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  console.log('\nServer stopped. Run `npm run demo -- --keep-serving` to keep it running.');
  if (forUser.status !== 200 || related.status !== 200) process.exitCode = 1;
}
