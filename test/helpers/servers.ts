/**
 * Which test database servers answered the global set-up (test/setup/servers.global.ts). Suites
 * that need one skip themselves with `describe.skipIf(!serverUp('postgres'))`; the set-up has
 * already printed why, and fails the run instead under CI=true.
 */
import { inject } from 'vitest';
import type { ServerName } from './server-list.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: boolean;
    mariadb: boolean;
  }
}

export function serverUp(name: ServerName): boolean {
  return inject(name) === true;
}
