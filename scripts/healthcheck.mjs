// Container health probe against the local server, with Host: localhost so it passes the default
// host allow-list. Exit 0 = healthy, 1 = not.
//   (no argument)  ready: GET /health answers 200 within 3 s (every recipe loaded).
//   --live         alive: the server answers GET /health at all (200 or 503) within 3 s, so a
//                  recipe whose artifact cannot load never gets the process restarted.
// The image's HEALTHCHECK runs in every container of the image, but only a server has a health to
// judge: when PID 1 (tini) runs a recotem command other than `serve` (a `train` job), the probe
// reports healthy without asking. `--pid1-cmdline FILE` reads that command line from FILE (tests).
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

const live = process.argv.includes('--live');
const at = process.argv.indexOf('--pid1-cmdline');
const cmdlineFile = at >= 0 ? process.argv[at + 1] : '/proc/1/cmdline';

/** The recotem sub-command PID 1 runs, or null when PID 1 is not the image's entrypoint. */
function containerCommand() {
  let args;
  try {
    args = readFileSync(cmdlineFile, 'utf8').split('\0');
  } catch {
    return null;
  }
  const i = args.findIndex((a) => a === 'recotem' || a.endsWith('/recotem') || a.endsWith('/recotem.js'));
  return i >= 0 ? (args[i + 1] ?? '') : null;
}

const command = containerCommand();
if (command !== null && command !== 'serve') process.exit(0);

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
