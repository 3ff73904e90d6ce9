// Container health probe: healthy iff GET /health on the local server answers 200 within 3 s.
// Sends Host: localhost so it passes the default host allow-list.
import { request } from 'node:http';

const port = Number.parseInt(process.env.RECOTEM_PORT ?? '8080', 10) || 8080;
const req = request(
  { host: '127.0.0.1', port, path: '/health', method: 'GET', headers: { host: 'localhost' }, timeout: 3000 },
  (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  },
);
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', () => process.exit(1));
req.end();
