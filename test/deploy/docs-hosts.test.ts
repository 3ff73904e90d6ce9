import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoFile } from './repo-files.js';

const doc = repoFile('docs/deployment.md');

/** Fenced code blocks of one language. */
function blocks(lang: string): string[] {
  return [...doc.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]);
}

/** key -> values of a systemd unit (keys may repeat). */
function unit(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1], [...(out.get(m[1]) ?? []), m[2]]);
  }
  return out;
}

const units = blocks('ini').map(unit);
const serve = units.find((u) => u.get('ExecStart')?.[0]?.includes(' serve '));
const train = units.find((u) => u.get('Type')?.[0] === 'oneshot');
const timer = units.find((u) => u.has('OnCalendar'));

describe('docs/deployment.md: systemd units', () => {
  it('has the train service, its timer and the serve service', () => {
    expect(serve).toBeDefined();
    expect(train).toBeDefined();
    expect(timer).toBeDefined();
  });

  it('serve: SIGTERM with TimeoutStopSec >= RECOTEM_DRAIN_SECONDS + 5, restarts only what can heal', () => {
    const u = serve as Map<string, string[]>;
    const drain = Number(
      (u.get('Environment') ?? []).find((e) => e.startsWith('RECOTEM_DRAIN_SECONDS='))?.split('=')[1] ?? '30',
    );
    expect(u.get('KillSignal')).toEqual(['SIGTERM']);
    expect(Number(u.get('TimeoutStopSec')?.[0])).toBeGreaterThanOrEqual(drain + 5);
    expect(u.get('Restart')).toEqual(['on-failure']);
    expect(u.get('RestartPreventExitStatus')?.[0].split(/\s+/)).toEqual(['2', '5', '8']);
    expect(u.get('Type')).toEqual(['simple']);
  });

  it('both services run as recotem with the secrets file and hardening on', () => {
    for (const u of [serve, train] as Map<string, string[]>[]) {
      expect(u.get('User')).toEqual(['recotem']);
      expect(u.get('EnvironmentFile')).toEqual(['/etc/recotem/secrets']);
      expect(u.get('NoNewPrivileges')).toEqual(['yes']);
      expect(u.get('ProtectSystem')).toEqual(['strict']);
      expect(u.get('PrivateTmp')).toEqual(['yes']);
    }
    const t = train as Map<string, string[]>;
    expect(t.get('ReadWritePaths')).toEqual(['/var/lib/recotem/artifacts']);
    expect(t.get('MemoryMax')?.[0]).toMatch(/^\d+[KMGT]$/);
    expect(t.get('ExecStart')?.[0]).toMatch(/^\/usr\/local\/bin\/recotem train \/\S+\.yaml$/);
    expect(timer?.get('Persistent')).toEqual(['true']);
    expect(timer?.get('WantedBy')).toEqual(['timers.target']);
  });
});

describe('docs/deployment.md: cron', () => {
  it('the cron.d line names the user and calls the wrapper', () => {
    const cron = doc.match(/```\n(CRON_TZ=UTC\n[^`]+)```/)?.[1] ?? '';
    const entry = cron.split('\n').find((l) => /^\d/.test(l)) ?? '';
    const fields = entry.split(/\s+/);
    expect(fields.slice(0, 5)).toEqual(['0', '3', '*', '*', '*']);
    expect(fields[5]).toBe('recotem');
    expect(fields[6]).toBe('/usr/local/bin/recotem-train-all');
    expect(cron).not.toMatch(/RECOTEM_[A-Z_]+=/);
  });

  it('the wrapper is valid bash and branches on every exit code', () => {
    const wrapper = blocks('bash').find((b) => b.includes('PIPESTATUS')) ?? '';
    const check = spawnSync('bash', ['-n'], { input: wrapper, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    for (const code of [0, 2, 3, 4, 5, 6, 7, 8, 9]) expect(wrapper).toMatch(new RegExp(`^\\s+${code}\\) `, 'm'));
    expect(wrapper).toMatch(/exit "\$code"\s*$/);
  });
});
