/** The database servers the suites talk to, and how a developer starts each on a Debian machine. */
export const TEST_DATABASE = 'recotem_test';

export interface ServerInfo {
  kind: 'postgres' | 'mariadb';
  label: string;
  host: string;
  port: number;
  user: string;
  start: string;
}

export const SERVERS = {
  postgres: {
    kind: 'postgres',
    label: 'PostgreSQL',
    host: '127.0.0.1',
    port: 5432,
    user: 'postgres',
    start: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  },
  mariadb: {
    kind: 'mariadb',
    label: 'MariaDB',
    host: '127.0.0.1',
    port: 3306,
    user: 'root',
    start: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
  },
} as const satisfies Record<string, ServerInfo>;

export type ServerName = keyof typeof SERVERS;
