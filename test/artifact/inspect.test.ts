import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ByteStore, inspectArtifact, signArtifact, writeArtifact } from '../../src/artifact/index.js';
import { devKeyRing } from '../../src/config/index.js';
import { captureLogs, type LogCapture } from '../../src/log/index.js';
import { RING, sampleArtifact, sampleHeader } from './fixtures.js';

const KEYS = `k1:${'11'.repeat(32)}`;
let dir: string;
let logs: LogCapture;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recotem-inspect-'));
  logs = captureLogs();
});
afterEach(() => {
  logs.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function run(artifact: string, env: NodeJS.ProcessEnv, opts: { dev?: boolean; store?: ByteStore } = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await inspectArtifact(
    { artifact, devAllowUnsigned: opts.dev ?? false },
    { env, stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l), store: opts.store },
  );
  return { code, stdout, stderr };
}

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

describe('inspectArtifact', () => {
  it('prints the HMAC line and the pretty header, exit 0, without decoding the payload', async () => {
    const header = sampleHeader();
    const p = file('m.recotem', signArtifact({ keyRing: RING, header, payload: Buffer.from('not an RTPK payload') }));
    const r = await run(p, { RECOTEM_SIGNING_KEYS: KEYS });
    expect(r).toEqual({ code: 0, stdout: ["HMAC: OK  (kid='k1')", JSON.stringify(header, null, 2)], stderr: [] });
  });

  it('follows append_sha pointers and repairs a collapsed file: URI', async () => {
    const out = join(dir, 'news.recotem');
    await writeArtifact({ outputPath: out, versioning: 'append_sha', bytes: sampleArtifact() });
    expect((await run(out, { RECOTEM_SIGNING_KEYS: KEYS })).code).toBe(0);
    const collapsed = pathToFileURL(out).href.replace('file:///', 'file:/');
    const r = await run(collapsed, { RECOTEM_SIGNING_KEYS: KEYS });
    expect(r.code).toBe(0);
    expect(r.stdout[0]).toBe("HMAC: OK  (kid='k1')");
  });

  it('step 1: the dev flag outside development is exit 8 before any I/O', async () => {
    const r = await run(join(dir, 'does-not-exist'), { RECOTEM_ENV: 'production' }, { dev: true });
    expect(r.code).toBe(8);
    expect(r.stderr).toEqual([
      "--dev-allow-unsigned requires RECOTEM_ENV=development. Current RECOTEM_ENV='production'.",
    ]);
  });

  it('step 2: an invalid serve configuration is exit 8', async () => {
    const p = file('m.recotem', sampleArtifact());
    const caps = await run(p, {
      RECOTEM_SIGNING_KEYS: KEYS,
      RECOTEM_MAX_ARTIFACT_BYTES: String(2 * 1024 * 1024),
      RECOTEM_MAX_PAYLOAD_BYTES: String(4 * 1024 * 1024),
    });
    expect(caps.code).toBe(8);
    expect(caps.stderr[0]).toMatch(/^Invalid serve configuration: RECOTEM_MAX_PAYLOAD_BYTES/);
    const apiKeys = await run(p, { RECOTEM_SIGNING_KEYS: KEYS, RECOTEM_API_KEYS: 'broken' });
    expect(apiKeys.code).toBe(8);
  });

  it('step 3: read failures are exit 5 with the documented wording', async () => {
    const missing = join(dir, 'nope.recotem');
    const os = await run(missing, { RECOTEM_SIGNING_KEYS: KEYS });
    expect(os.code).toBe(5);
    expect(os.stderr[0]).toMatch(new RegExp(`^Cannot read artifact '${missing}': ENOENT`));

    const backend = await run('gs://bucket/m.recotem', { RECOTEM_SIGNING_KEYS: KEYS });
    expect(backend.code).toBe(5);
    expect(backend.stderr[0]).toMatch(
      /^Cannot open artifact 'gs:\/\/bucket\/m.recotem': missing optional dependency \(gs:\/\/ storage backend\)\. Hint: .*@google-cloud\/storage/,
    );

    class ThrottledError extends Error {
      override name = 'ThrottledError';
    }
    const failing: ByteStore = {
      readBounded: async () => {
        throw new ThrottledError('slow down');
      },
      writeAtomic: async () => undefined,
      stat: async () => ({ size: 0, mtimeMs: 0 }),
    };
    const other = await run('s3://b/m.recotem', { RECOTEM_SIGNING_KEYS: KEYS }, { store: failing });
    expect(other).toMatchObject({
      code: 5,
      stderr: ["Cannot open artifact 's3://b/m.recotem' (ThrottledError): slow down"],
    });
  });

  it('step 5: size over the read cap and payload over the parse cap are exit 5', async () => {
    const big = Buffer.concat([sampleArtifact(), Buffer.alloc(1024 * 1024 + 10)]);
    const p = file('big.recotem', big);
    const env = { RECOTEM_SIGNING_KEYS: KEYS, RECOTEM_MAX_ARTIFACT_BYTES: String(1024 * 1024) };
    const overRead = await run(p, { ...env, RECOTEM_MAX_PAYLOAD_BYTES: String(1024 * 1024) });
    expect(overRead.code).toBe(5);
    expect(overRead.stderr[0]).toMatch(/exceeds cap 1048576; refusing load/);
    const overPayload = await run(p, {
      RECOTEM_SIGNING_KEYS: KEYS,
      RECOTEM_MAX_ARTIFACT_BYTES: String(4 * 1024 * 1024),
      RECOTEM_MAX_PAYLOAD_BYTES: String(1024 * 1024),
    });
    expect(overPayload.code).toBe(5);
    expect(overPayload.stderr[0]).toMatch(/^Artifact parse failed: payload size \d+ exceeds cap 1048576/);
  });

  it('step 5: structural parse failures are "Artifact parse failed", exit 5', async () => {
    const p = file('junk.recotem', Buffer.from('this is not an artifact at all'));
    const r = await run(p, { RECOTEM_SIGNING_KEYS: KEYS });
    expect(r.code).toBe(5);
    expect(r.stderr).toEqual([expect.stringMatching(/^Artifact parse failed: magic bytes mismatch/)]);
  });

  it('step 6: no keys and no dev flag is exit 8 with the kid and both remedies', async () => {
    const p = file('m.recotem', sampleArtifact());
    const r = await run(p, { RECOTEM_SIGNING_KEYS: '   ' });
    expect(r.code).toBe(8);
    expect(r.stdout).toEqual([]);
    expect(r.stderr[0]).toBe(
      "Cannot verify artifact (kid='k1'): RECOTEM_SIGNING_KEYS is not set and --dev-allow-unsigned was not passed.",
    );
    expect(r.stderr.slice(1).join('\n')).toMatch(/RECOTEM_SIGNING_KEYS[\s\S]*--dev-allow-unsigned/);
  });

  it('step 6: the dev flag uses the dev key when no keys are set, and is ignored (WARN) when they are', async () => {
    const devArt = file('dev.recotem', sampleArtifact(devKeyRing()));
    const dev = await run(devArt, { RECOTEM_ENV: 'development' }, { dev: true });
    expect(dev.code).toBe(0);
    expect(dev.stdout[0]).toBe("HMAC: OK  (kid='dev')");

    const ignored = await run(devArt, { RECOTEM_ENV: 'Development', RECOTEM_SIGNING_KEYS: KEYS }, { dev: true });
    expect(ignored.code).toBe(5);
    expect(ignored.stderr[0]).toMatch(/^HMAC verification failed: artifact signed with unknown kid 'dev'/);
    expect(logs.events('dev_allow_unsigned_ignored')).toHaveLength(1);
  });

  it('step 6/7: a malformed key ring and a bad HMAC are "HMAC verification failed", exit 5', async () => {
    const p = file('m.recotem', sampleArtifact());
    const malformed = await run(p, { RECOTEM_SIGNING_KEYS: 'k1:abcd' });
    expect(malformed.code).toBe(5);
    expect(malformed.stderr[0]).toMatch(/^HMAC verification failed: RECOTEM_SIGNING_KEYS/);
    expect(malformed.stderr.join('\n')).not.toContain('abcd');
    const wrong = await run(p, { RECOTEM_SIGNING_KEYS: `k1:${'12'.repeat(32)}` });
    expect(wrong).toMatchObject({ code: 5, stdout: [] });
    expect(wrong.stderr[0]).toBe(
      "HMAC verification failed: HMAC verification failed for kid 'k1'; artifact may have been tampered with",
    );
  });

  it('step 8: a signed header that is not JSON is exit 5 after the HMAC line', async () => {
    const p = file(
      'h.recotem',
      signArtifact({ keyRing: RING, header: Buffer.from('{oops'), payload: Buffer.alloc(0) }),
    );
    const r = await run(p, { RECOTEM_SIGNING_KEYS: KEYS });
    expect(r.code).toBe(5);
    expect(r.stdout).toEqual(["HMAC: OK  (kid='k1')"]);
    expect(r.stderr[0]).toMatch(/^Header JSON parse failed: /);
  });
});

describe('recotem inspect (spawned CLI)', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const entry = join(root, 'src/cli/entry.ts');

  it('exits 0 with the header on stdout, and 8 without keys', () => {
    expect(existsSync(entry)).toBe(true);
    const p = file('m.recotem', sampleArtifact());
    const base = { PATH: process.env.PATH, HOME: tmpdir(), RECOTEM_LOG_FORMAT: 'json' };
    const ok = spawnSync(process.execPath, ['--import', 'tsx', entry, 'inspect', p], {
      cwd: root,
      encoding: 'utf8',
      env: { ...base, RECOTEM_SIGNING_KEYS: KEYS },
    });
    expect(ok.status, ok.stderr).toBe(0);
    const [first, ...rest] = ok.stdout.trimEnd().split('\n');
    expect(first).toBe("HMAC: OK  (kid='k1')");
    expect(JSON.parse(rest.join('\n'))).toEqual(sampleHeader());
    expect(ok.stderr).not.toContain('11'.repeat(32));

    const noKeys = spawnSync(process.execPath, ['--import', 'tsx', entry, 'inspect', p], {
      cwd: root,
      encoding: 'utf8',
      env: base,
    });
    expect(noKeys.status).toBe(8);
    expect(noKeys.stdout).toBe('');
    expect(noKeys.stderr).toContain("Cannot verify artifact (kid='k1')");
  });
});
