// Container health probe against the local server, with Host: localhost so it passes the default
// host allow-list. Exit 0 = healthy, 1 = not.
//   (no argument)  ready: GET /health answers 200 within 3 s (every recipe loaded).
//   --live         alive: the server answers GET /health at all (200 or 503) within 3 s, so a
//                  recipe whose artifact cannot load never gets the process restarted.
import { request } from 'node:http';

const live = process.argv.includes('--live');
const port = Number.parseInt(process.env.RECOTEM_PORT ?? '8080', 10) || 8080;
const req = request(
  { host: '127.0.0.1', port, path: '/health', method: 'GET', headers: { host: 'localhost' }, timeout: 3000 },
  (res) => {
    res.resume();
    const ok = res.statusCode === 200 || (live && res.statusCode === 503);
    process.exit(ok ? 0 : 1);
  },
);
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', () => process.exit(1));
req.end();
