/**
 * Repeating warnings while an unsafe flag is active: every 300 s (60 s
 * when RECOTEM_ENV is `test`), first after one interval, stopped on shutdown.
 */
import { getLogger } from '../../log/index.js';
import type { ServeSettings } from '../settings.js';

const log = getLogger('recotem.security');

export function bannerIntervalSeconds(env: string): number {
  return env.trim().toLowerCase() === 'test' ? 60 : 300;
}

export function emitBanners(settings: ServeSettings): void {
  const fields = { env: settings.env, bind_host: settings.host };
  if (settings.insecureNoAuth) {
    log.warn('INSECURE_NO_AUTH_ACTIVE', {
      message: 'API-key authentication is disabled (--insecure-no-auth)',
      ...fields,
    });
  }
  if (settings.devAllowUnsigned) {
    log.warn('DEV_ALLOW_UNSIGNED_ACTIVE', {
      message:
        'development signing mode is active (--dev-allow-unsigned); artifacts signed with the dev key are accepted',
      ...fields,
    });
  }
}

export function startBanners(
  settings: ServeSettings,
  intervalSeconds = bannerIntervalSeconds(settings.env),
): { stop(): void } {
  if (!settings.insecureNoAuth && !settings.devAllowUnsigned) return { stop() {} };
  const timer = setInterval(() => emitBanners(settings), intervalSeconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
