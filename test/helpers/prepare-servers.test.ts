import { createServer } from 'node:net';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { prepareServers } from './prepare-servers.js';
import { SERVERS, type ServerInfo } from './server-list.js';
import { serverUp } from './servers.js';

const both = serverUp('postgres') && serverUp('mariadb');

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

async function dropDatabases(name: string): Promise<void> {
  const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${name}"`);
  await c.end();
  const my = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
  await my.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await my.end();
}

describe('test server set-up', () => {
  it.skipIf(!both)('creates the database on both servers, and a second run finds it there', async () => {
    const name = `recotem_setup_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    const lines: string[] = [];
    try {
      for (let round = 0; round < 2; round++) {
        const up = await prepareServers(SERVERS, name, { ci: true, report: (l) => lines.push(l) });
        expect(up).toEqual({ postgres: true, mariadb: true });
      }
      expect(lines).toEqual([]);
      const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: name });
      await c.connect();
      expect((await c.query('SELECT current_database() AS d')).rows[0].d).toBe(name);
      await c.end();
      const my = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: name });
      const [rows] = await my.query('SELECT DATABASE() AS d');
      expect((rows as { d: string }[])[0].d).toBe(name);
      await my.end();
    } finally {
      await dropDatabases(name);
    }
  });

  it('skips an unreachable server with one line naming it and how to start it, and fails under CI', async () => {
    const port = await closedPort();
    const servers = {
      postgres: { ...SERVERS.postgres, port },
      mariadb: { ...SERVERS.mariadb, port },
    } satisfies Record<string, ServerInfo>;
    const lines: string[] = [];
    const up = await prepareServers(servers, 'recotem_unused', { ci: false, report: (l) => lines.push(l) });
    expect(up).toEqual({ postgres: false, mariadb: false });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      `PostgreSQL is not reachable on 127.0.0.1:${port} (ECONNREFUSED): its suites are skipped; start it with \`${SERVERS.postgres.start}\` (bash .ci/run starts both servers)`,
    );
    expect(lines[1]).toContain(`MariaDB is not reachable on 127.0.0.1:${port}`);
    expect(lines[1]).toContain(SERVERS.mariadb.start);
    await expect(prepareServers(servers, 'recotem_unused', { ci: true, report: () => {} })).rejects.toThrow(
      /^CI=true needs every test server, so this fails the run\. PostgreSQL is not reachable/,
    );
  });

  it.skipIf(!serverUp('postgres'))('fails, never skips, when a server answers but refuses the set-up', async () => {
    const servers = { postgres: { ...SERVERS.postgres, user: `no_such_role_${process.pid}` } };
    await expect(prepareServers(servers, 'recotem_unused', { ci: false, report: () => {} })).rejects.toThrow(
      /^PostgreSQL on 127\.0\.0\.1:5432 answers but database recotem_unused could not be created as no_such_role_\d+: role .* does not exist/,
    );
  });
});
