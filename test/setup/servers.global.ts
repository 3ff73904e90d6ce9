/**
 * Vitest global setup: makes `npm test` self-sufficient wherever PostgreSQL and MariaDB answer on
 * 127.0.0.1. It creates the database the SQL-source and trial-storage suites use, then tells every
 * test file which servers are usable (see test/helpers/servers.ts). A server that does not answer
 * at all is reported in one line naming it and how to start it, and its suites are skipped; under
 * CI=true that is a failure, since CI must run every suite.
 */
import type { TestProject } from 'vitest/node';
import { prepareServers } from '../helpers/prepare-servers.js';
import { SERVERS, TEST_DATABASE } from '../helpers/server-list.js';

export default async function setup(project: TestProject): Promise<void> {
  const usable = await prepareServers(SERVERS, TEST_DATABASE, {
    ci: process.env.CI === 'true',
    report: (line) => console.warn(`[servers] ${line}`),
  });
  for (const [name, up] of Object.entries(usable)) project.provide(name as keyof typeof SERVERS, up);
}
