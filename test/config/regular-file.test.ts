import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotRegularFileError, openRegularFile, pseudoFilesystemOf } from '../../src/config/index.js';

let dir: string;
let socketServer: Server;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'recotem-regular-'));
  writeFileSync(join(dir, 'data.csv'), 'a,b\n1,2\n');
  expect(spawnSync('mkfifo', [join(dir, 'fifo')]).status).toBe(0);
  symlinkSync('/proc/self/environ', join(dir, 'environ-link.csv'));
  symlinkSync(join(dir, 'data.csv'), join(dir, 'good-link.csv'));
  socketServer = createServer();
  await new Promise<void>((resolve) => socketServer.listen(join(dir, 'sock'), resolve));
});
afterAll(async () => {
  await new Promise((resolve) => socketServer.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(path: string): Promise<NotRegularFileError> {
  const err = await openRegularFile(path).then(
    async (h) => {
      await h.close();
      return null;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NotRegularFileError);
  return err as NotRegularFileError;
}

describe('openRegularFile', () => {
  it('opens regular files, also through a symlink that stays outside the pseudo filesystems', async () => {
    for (const name of ['data.csv', 'good-link.csv']) {
      const h = await openRegularFile(join(dir, name));
      expect((await h.readFile('utf8')).startsWith('a,b')).toBe(true);
      await h.close();
    }
  });

  it.each([
    ['fifo', 'a FIFO'],
    ['sock', 'a socket'],
    ['.', 'a directory'],
    ['environ-link.csv', 'a file under /proc'],
  ])('refuses %s as %s without blocking', async (name, what) => {
    expect((await refusal(join(dir, name))).what).toBe(what);
  });

  it.each([
    ['/proc/self/environ', 'a file under /proc'],
    ['/proc/self/status', 'a file under /proc'],
    ['/dev/null', 'a character device'],
    ['/dev/zero', 'a character device'],
  ])('refuses %s as %s', async (path, what) => {
    expect((await refusal(path)).what).toBe(what);
  });

  it('lets OS errors through unchanged for the caller to map', async () => {
    await expect(openRegularFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('names the pseudo filesystems by their real path only', () => {
    expect(pseudoFilesystemOf('/proc/1/environ')).toBe('/proc');
    expect(pseudoFilesystemOf('/sys/kernel/x')).toBe('/sys');
    expect(pseudoFilesystemOf('/dev')).toBe('/dev');
    expect(pseudoFilesystemOf('/devices/x')).toBeNull();
    expect(pseudoFilesystemOf('/processed/x')).toBeNull();
  });
});
