import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MODEL_FORMATS } from '../../src/algorithms/registry.js';
import {
  type ByteStore,
  openArtifact,
  pointerTarget,
  readArtifactBytes,
  readHandleBounded,
  readLocalBounded,
  repairCollapsedScheme,
  StoreReadError,
  StoreUnavailableError,
  sha256Hex,
  shaSuffixedPath,
  writeArtifact,
} from '../../src/artifact/index.js';
import { ArtifactError } from '../../src/errors/index.js';
import { captureLogs, type LogCapture } from '../../src/log/index.js';
import { RING, sampleArtifact, sampleHeader } from './fixtures.js';

let dir: string;
let logs: LogCapture;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recotem-artifact-'));
  logs = captureLogs();
});
afterEach(() => {
  logs.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<ArtifactError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ArtifactError);
    return err as ArtifactError;
  }
  throw new Error('expected a rejection');
}

const tempFiles = (d: string) => readdirSync(d).filter((f) => f.endsWith('.tmp'));

describe('bounded local reads', () => {
  it('returns the whole file up to the cap and cap + 1 bytes beyond it', async () => {
    const p = join(dir, 'f');
    writeFileSync(p, Buffer.alloc(1000, 3));
    expect((await readLocalBounded(p, 1000)).length).toBe(1000);
    expect((await readLocalBounded(p, 5000)).length).toBe(1000);
    expect((await readLocalBounded(p, 10)).length).toBe(11);
    expect((await readLocalBounded(p, 0)).length).toBe(1);
  });

  it('never allocates more than cap + 1 bytes for a big file', async () => {
    const p = join(dir, 'big');
    writeFileSync(p, Buffer.alloc(3 * 1024 * 1024, 1));
    const cap = 100_000;
    const b = await readLocalBounded(p, cap);
    expect(b.length).toBe(cap + 1);
    expect(b.buffer.byteLength).toBeLessThanOrEqual(cap + 1);
  });

  it('reads empty files and files that fill the first buffer exactly', async () => {
    writeFileSync(join(dir, 'e'), '');
    expect((await readLocalBounded(join(dir, 'e'), 10)).length).toBe(0);
    writeFileSync(join(dir, 'x'), Buffer.alloc(70_000, 9));
    const b = await readLocalBounded(join(dir, 'x'), 1 << 20);
    expect(b.length).toBe(70_000);
    expect(b.every((v) => v === 9)).toBe(true);
  });
});

describe('bounded reads whose size is unknown up front', () => {
  it('grows the buffer past the size hint and still stops at cap + 1', async () => {
    const p = join(dir, 'grown');
    writeFileSync(p, Buffer.alloc(300_000, 0x7a));
    const fh = await open(p, 'r');
    try {
      // A size hint of 0 is what a file that grew after the fstat looks like.
      const b = await readHandleBounded(fh, 1 << 20, 0, p);
      expect(b.length).toBe(300_000);
      expect(b.every((v) => v === 0x7a)).toBe(true);
    } finally {
      await fh.close();
    }
    const again = await open(p, 'r');
    try {
      expect((await readHandleBounded(again, 150_000, 0, p)).length).toBe(150_001);
    } finally {
      await again.close();
    }
  });

  it('refuses a FIFO without blocking on it (no writer ever opens it)', async () => {
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const err = await rejection(readLocalBounded(fifo, 1 << 20));
    expect(err.reason).toBe('read');
    expect(err.message).toMatch(/not a regular file \(a FIFO\)/);
  });

  it.each(['/proc/self/environ', '/dev/zero', '/dev/null'])(
    'refuses %s (pseudo filesystems are never artifacts)',
    async (path) => {
      const err = await rejection(readArtifactBytes(path, { artifactCap: 1 << 20 }));
      expect(err.reason).toBe('read');
      expect(err.message).toMatch(/not a regular file/);
    },
  );
});

describe('pointer files', () => {
  it('recognises only short ASCII names ending in .recotem', () => {
    expect(pointerTarget(Buffer.from('news.a1b2c3d4.recotem\n'))).toBe('news.a1b2c3d4.recotem');
    expect(pointerTarget(Buffer.from('m.recotem  \r\n\t'))).toBe('m.recotem');
    expect(pointerTarget(Buffer.from('../etc/passwd.recotem\n'))).toBeUndefined();
    expect(pointerTarget(Buffer.from('a/b.recotem'))).toBeUndefined();
    expect(pointerTarget(Buffer.from('model.bin\n'))).toBeUndefined();
    expect(pointerTarget(Buffer.from('modèle.recotem'))).toBeUndefined();
    expect(pointerTarget(Buffer.from(`${'a'.repeat(505)}.recotem`))).toBeUndefined();
    expect(pointerTarget(Buffer.from(`${'a'.repeat(504)}.recotem`))).toBe(`${'a'.repeat(504)}.recotem`);
    expect(pointerTarget(Buffer.from(' x.recotem'))).toBeUndefined();
  });
});

describe('writeArtifact + readArtifactBytes (local)', () => {
  const art = sampleArtifact();

  it('always_overwrite replaces the file atomically and leaves no temp file', async () => {
    const out = join(dir, 'sub', 'model.recotem');
    const res = await writeArtifact({ outputPath: out, versioning: 'always_overwrite', bytes: art });
    expect(res).toEqual({ artifactPath: out, modelVersion: sha256Hex(art) });
    expect(readFileSync(out).equals(art)).toBe(true);
    await writeArtifact({ outputPath: out, versioning: 'always_overwrite', bytes: Buffer.from('v2') });
    expect(readFileSync(out, 'utf8')).toBe('v2');
    expect(tempFiles(join(dir, 'sub'))).toEqual([]);
    const events = logs.events('artifact_written');
    expect(events[0]).toMatchObject({ versioning: 'always_overwrite', artifact: out, kid: 'k1' });
  });

  it('append_sha writes <stem>.<sha8>.recotem, then the pointer; readers follow it', async () => {
    const out = join(dir, 'news.recotem');
    const sha8 = sha256Hex(art).slice(0, 8);
    const res = await writeArtifact({ outputPath: out, versioning: 'append_sha', bytes: art });
    const target = join(dir, `news.${sha8}.recotem`);
    expect(res).toEqual({ artifactPath: target, pointerPath: out, modelVersion: sha256Hex(art) });
    expect(readFileSync(out, 'ascii')).toBe(`news.${sha8}.recotem\n`);
    expect(readFileSync(target).equals(art)).toBe(true);
    expect(logs.events('artifact_written')[0]).toMatchObject({
      versioning: 'append_sha',
      artifact: target,
      pointer: out,
    });

    const read = await readArtifactBytes(out);
    expect(read.resolvedPath).toBe(target);
    expect(read.pointerPath).toBe(out);
    expect(read.bytes.equals(art)).toBe(true);
    expect(openArtifact(read.bytes, { models: MODEL_FORMATS, keyRing: RING }).modelVersion).toBe(res.modelVersion);

    // A second version keeps the old file and moves the pointer.
    const art2 = sampleArtifact(RING, sampleHeader({ recipe_name: 'x' }));
    const res2 = await writeArtifact({ outputPath: out, versioning: 'append_sha', bytes: art2 });
    expect(res2.artifactPath).not.toBe(target);
    expect(readFileSync(target).equals(art)).toBe(true);
    expect((await readArtifactBytes(out)).bytes.equals(art2)).toBe(true);
    expect(tempFiles(dir)).toEqual([]);
  });

  it('append_sha on a path without the .recotem suffix appends it', () => {
    expect(shaSuffixedPath('/a/model.bin', 'deadbeef')).toBe('/a/model.bin.deadbeef.recotem');
    expect(shaSuffixedPath('/a/model.recotem', 'deadbeef')).toBe('/a/model.deadbeef.recotem');
  });

  it('append_sha refuses an output name a pointer could not name, before writing anything', async () => {
    const err = await rejection(
      writeArtifact({ outputPath: join(dir, 'my model.recotem'), versioning: 'append_sha', bytes: art }),
    );
    expect(err.reason).toBe('write');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reads file:// URIs and repairs collapsed schemes', async () => {
    const out = join(dir, 'm.recotem');
    writeFileSync(out, art);
    const url = pathToFileURL(out).href;
    expect((await readArtifactBytes(url)).bytes.equals(art)).toBe(true);
    expect(repairCollapsedScheme(url.replace('file:///', 'file:/'))).toBe(url);
    expect(repairCollapsedScheme('s3:/bucket/key.recotem')).toBe('s3://bucket/key.recotem');
    expect(repairCollapsedScheme('s3://bucket/key.recotem')).toBe('s3://bucket/key.recotem');
    expect(repairCollapsedScheme('/plain/path')).toBe('/plain/path');
  });

  it('refuses files over the cap, through a pointer too', async () => {
    const out = join(dir, 'm.recotem');
    writeFileSync(out, art);
    const err = await rejection(readArtifactBytes(out, { artifactCap: art.length - 1 }));
    expect(err.reason).toBe('read');
    expect(err.message).toBe(`artifact at '${out}' exceeds cap ${art.length - 1}; refusing load`);
    expect((await readArtifactBytes(out, { artifactCap: art.length })).bytes.length).toBe(art.length);
    writeFileSync(join(dir, 'p.recotem'), 'm.recotem\n');
    expect((await rejection(readArtifactBytes(join(dir, 'p.recotem'), { artifactCap: 100 }))).message).toMatch(
      /exceeds cap 100/,
    );
  });

  it('a missing file and a pointer to a missing target are read errors', async () => {
    const missing = await rejection(readArtifactBytes(join(dir, 'nope.recotem')));
    expect(missing.reason).toBe('read');
    expect(missing).toBeInstanceOf(StoreReadError);
    expect((missing.cause as { code?: string }).code).toBe('ENOENT');
    const p = join(dir, 'ptr.recotem');
    writeFileSync(p, 'gone.abcdef12.recotem\n');
    const err = await rejection(readArtifactBytes(p));
    expect(err.reason).toBe('read');
    expect(err.message).toBe(`pointer '${p}' references missing artifact 'gone.abcdef12.recotem'`);
  });
});

describe('atomic write failures leave no temp file', () => {
  const art = sampleArtifact();

  it('a failing beforeRename hook keeps the old file, removes the temp file and passes its error through', async () => {
    const out = join(dir, 'model.recotem');
    writeFileSync(out, 'old');
    const hookError = new ArtifactError('output escaped RECOTEM_ARTIFACT_ROOT', 'write');
    const seen: string[] = [];
    const err = await rejection(
      writeArtifact({
        outputPath: out,
        versioning: 'always_overwrite',
        bytes: art,
        beforeRename: (dest) => {
          seen.push(dest);
          expect(tempFiles(dir)).toHaveLength(1);
          throw hookError;
        },
      }),
    );
    expect(err).toBe(hookError);
    expect(seen).toEqual([out]);
    expect(readFileSync(out, 'utf8')).toBe('old');
    expect(tempFiles(dir)).toEqual([]);
  });

  it('a hook failing on the pointer leaves the new target in place and the old pointer untouched', async () => {
    const out = join(dir, 'news.recotem');
    writeFileSync(out, 'news.00000000.recotem\n');
    let calls = 0;
    await rejection(
      writeArtifact({
        outputPath: out,
        versioning: 'append_sha',
        bytes: art,
        beforeRename: () => {
          calls++;
          if (calls === 2) throw new ArtifactError('containment', 'write');
        },
      }),
    );
    expect(readFileSync(out, 'utf8')).toBe('news.00000000.recotem\n');
    expect(readFileSync(shaSuffixedPath(out, sha256Hex(art).slice(0, 8))).equals(art)).toBe(true);
    expect(tempFiles(dir)).toEqual([]);
  });

  it('OS errors from the hook are mapped to a clear write error', async () => {
    const out = join(dir, 'm.recotem');
    const enospc = Object.assign(new Error('boom'), { code: 'ENOSPC' });
    const err = await rejection(
      writeArtifact({
        outputPath: out,
        versioning: 'always_overwrite',
        bytes: art,
        beforeRename: () => {
          throw enospc;
        },
      }),
    );
    expect(err.reason).toBe('write');
    expect(err.message).toBe(`cannot write artifact '${out}': no space left on device (ENOSPC)`);
    expect(err.cause).toBe(enospc);
    expect(tempFiles(dir)).toEqual([]);
  });

  it('a failing rename (destination is a non-empty directory) removes the temp file', async () => {
    const out = join(dir, 'taken.recotem');
    mkdirSync(out);
    writeFileSync(join(out, 'x'), 'x');
    const err = await rejection(writeArtifact({ outputPath: out, versioning: 'always_overwrite', bytes: art }));
    expect(err.reason).toBe('write');
    expect(err.message).toMatch(/^cannot write artifact '.*taken\.recotem': /);
    expect(tempFiles(dir)).toEqual([]);
  });

  it('a read-only directory fails with a write error (exit 5) and no temp file', () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(dir, 0o755);
    chmodSync(ro, 0o555);
    const out = join(ro, 'm.recotem');
    const script = join(dir, 'write.mts');
    const entry = new URL('../../src/artifact/index.ts', import.meta.url).href;
    writeFileSync(
      script,
      `import { writeArtifact } from ${JSON.stringify(entry)};
try {
  await writeArtifact({ outputPath: ${JSON.stringify(out)}, versioning: 'always_overwrite', bytes: Buffer.from('x') });
  console.log('{"wrote":true}');
} catch (e) { console.log(JSON.stringify({ name: e.name, reason: e.reason, message: e.message })); }`,
    );
    chmodSync(script, 0o644);
    // Root ignores directory permissions, so the writer runs as an unprivileged user then.
    const asRoot = process.getuid?.() === 0;
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      env: { ...process.env, HOME: tmpdir() },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(result).toEqual({
      name: 'ArtifactError',
      reason: 'write',
      message: `cannot write artifact '${out}': permission denied (EACCES)`,
    });
    expect(readdirSync(ro)).toEqual([]);
    chmodSync(ro, 0o755);
  });
});

describe('remote stores through the injected factory', () => {
  function memoryStore(): ByteStore & { objects: Map<string, Buffer>; writes: string[] } {
    const objects = new Map<string, Buffer>();
    const writes: string[] = [];
    return {
      objects,
      writes,
      async readBounded(uri, cap) {
        const b = objects.get(uri);
        if (!b)
          throw Object.assign(new Error(`no such key ${uri}`), {
            name: 'NoSuchKey',
            $metadata: { httpStatusCode: 404 },
          });
        return b.subarray(0, cap + 1);
      },
      async writeAtomic(uri, bytes) {
        writes.push(uri);
        objects.set(uri, Buffer.from(bytes));
      },
      async stat(uri) {
        const b = objects.get(uri);
        if (!b) throw new Error('missing');
        return { size: b.length, mtimeMs: 0, etag: sha256Hex(b).slice(0, 16) };
      },
    };
  }

  it('append_sha writes the target first and the pointer last; reads resolve the pointer', async () => {
    const store = memoryStore();
    const remoteStores = (scheme: string) => (scheme === 's3' ? store : undefined);
    const art = sampleArtifact();
    const out = 's3://bucket/models/news.recotem';
    const res = await writeArtifact({ outputPath: out, versioning: 'append_sha', bytes: art, remoteStores });
    const target = `s3://bucket/models/news.${sha256Hex(art).slice(0, 8)}.recotem`;
    expect(store.writes).toEqual([target, out]);
    expect(res.artifactPath).toBe(target);
    const read = await readArtifactBytes(out, { remoteStores });
    expect(read).toMatchObject({ resolvedPath: target, pointerPath: out });
    expect(read.bytes.equals(art)).toBe(true);

    store.objects.delete(target);
    const err = await rejection(readArtifactBytes(out, { remoteStores }));
    expect(err.message).toBe(
      `pointer '${out}' references missing artifact 'news.${sha256Hex(art).slice(0, 8)}.recotem'`,
    );
  });

  it('a scheme without a store is StoreUnavailableError with an install hint', async () => {
    const err = await rejection(readArtifactBytes('gs://bucket/m.recotem'));
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err.reason).toBe('read');
    expect((err as StoreUnavailableError).hint).toMatch(/@google-cloud\/storage/);
    const werr = await rejection(
      writeArtifact({ outputPath: 'az://c/m.recotem', versioning: 'always_overwrite', bytes: Buffer.from('x') }),
    );
    expect(werr).toBeInstanceOf(StoreUnavailableError);
  });

  it('accepts classified store errors: kind too_large is the cap error, kind not_found a missing target', async () => {
    const classified = (kind: string) => Object.assign(new Error(`store says ${kind}`), { kind });
    const store = memoryStore();
    store.objects.set('s3://b/p.recotem', Buffer.from('t.recotem\n'));
    store.readBounded = async (uri, cap) => {
      if (uri.endsWith('big.recotem')) throw classified('too_large');
      const b = store.objects.get(uri);
      if (!b) throw classified('not_found');
      return b.subarray(0, cap + 1);
    };
    const remoteStores = () => store;
    const big = await rejection(readArtifactBytes('s3://b/big.recotem', { artifactCap: 10, remoteStores }));
    expect(big.message).toBe("artifact at 's3://b/big.recotem' exceeds cap 10; refusing load");
    const missing = await rejection(readArtifactBytes('s3://b/p.recotem', { remoteStores }));
    expect(missing.message).toBe("pointer 's3://b/p.recotem' references missing artifact 't.recotem'");
  });

  it('backend write failures become write errors', async () => {
    const store = memoryStore();
    store.writeAtomic = async () => {
      throw new Error('503 Slow Down');
    };
    const err = await rejection(
      writeArtifact({
        outputPath: 's3://b/m.recotem',
        versioning: 'always_overwrite',
        bytes: Buffer.from('x'),
        remoteStores: () => store,
      }),
    );
    expect(err.reason).toBe('write');
    expect(err.message).toBe("cannot write artifact 's3://b/m.recotem': 503 Slow Down");
  });
});
