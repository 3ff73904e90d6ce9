/** `recotem keygen`: a fresh signing key or API key, printed in the documented lines. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { hashApiKey } from '../../config/index.js';
import { ExitCode } from '../../errors/index.js';
import type { KeygenFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import type { KeygenCommandOptions } from '../options.js';

const KEY_BYTES = 32;

/** The `--type` check: anything but `signing`/`api` is exit 8. */
export function parseKeygenFlags(flags: KeygenFlags, io: CliIo): KeygenCommandOptions | number {
  if (flags.type !== 'signing' && flags.type !== 'api') {
    io.stderr(`--type must be 'signing' or 'api', got '${flags.type}'.`);
    return ExitCode.CONFIG;
  }
  return { kid: flags.kid, type: flags.type };
}

/** The output lines for key bytes `key` (exported so tests can check them with fixed bytes). */
export function keygenLines(opts: { kid: string; type: 'signing' | 'api' }, key: Buffer): string[] {
  if (opts.type === 'signing') {
    const plaintext = key.toString('hex');
    const fingerprint = createHash('sha256').update(key).digest('hex').slice(0, 8);
    return [
      `kid=${opts.kid}`,
      `plaintext=${plaintext}`,
      `fingerprint=${fingerprint}  # matches /security.posture log; NOT for config`,
      `env_entry=RECOTEM_SIGNING_KEYS=${opts.kid}:${plaintext}`,
    ];
  }
  const plaintext = key.toString('base64url');
  const digest = hashApiKey(plaintext);
  return [
    `kid=${opts.kid}`,
    `plaintext=${plaintext}`,
    `hash=sha256:${digest}`,
    `env_entry=RECOTEM_API_KEYS=${opts.kid}:sha256:${digest}`,
  ];
}

/** No logging set-up and no environment access: only the CSPRNG. */
export function runKeygen(opts: KeygenCommandOptions, io: CliIo): number {
  const kid = opts.kid ?? randomUUID().slice(0, 8);
  for (const line of keygenLines({ kid, type: opts.type }, randomBytes(KEY_BYTES))) io.stdout(line);
  return ExitCode.OK;
}
