/** The sweep of temp files left by killed writers removes exactly those of one output. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeStaleTempFiles, writeArtifact } from '../../src/artifact/index.js';
import { captureLogs } from '../../src/log/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recotem-stale-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const OURS = ['.model.recotem.0123456789ab.tmp', '.model.deadbeef.recotem.0123456789ab.tmp'];
const NOT_OURS = [
  '.other.recotem.0123456789ab.tmp',
  '.model.recotem.0123456789ab.tmp.keep',
  'model.recotem.0123456789ab.tmp',
  '.model.recotem.xyz.tmp',
  '.model.deadbeef.recotem.tmp',
  '.mode.recotem.0123456789ab.tmp',
  'model.recotem',
  'model.deadbeef.recotem',
  'model.recotem.lock',
];

describe('removeStaleTempFiles', () => {
  it('removes the temp files of the output and its sha-suffixed targets, nothing else', async () => {
    for (const name of [...OURS, ...NOT_OURS]) writeFileSync(join(dir, name), 'x');
    expect((await removeStaleTempFiles(join(dir, 'model.recotem'))).sort()).toEqual([...OURS].sort());
    expect(readdirSync(dir).sort()).toEqual([...NOT_OURS].sort());
    expect(await removeStaleTempFiles(join(dir, 'missing-dir', 'model.recotem'))).toEqual([]);
  });

  it('runs before a write only when asked (the caller holds the recipe lock), and logs what it removed', async () => {
    for (const name of OURS) writeFileSync(join(dir, name), 'x');
    const out = join(dir, 'model.recotem');
    await writeArtifact({ outputPath: out, versioning: 'always_overwrite', bytes: Buffer.from('a') });
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(OURS));
    const logs = captureLogs();
    try {
      await writeArtifact({
        outputPath: out,
        versioning: 'append_sha',
        bytes: Buffer.from('b'),
        removeStaleTemps: true,
      });
      expect(logs.events('artifact_stale_temp_removed')).toEqual([expect.objectContaining({ count: 2 })]);
    } finally {
      logs.stop();
    }
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
