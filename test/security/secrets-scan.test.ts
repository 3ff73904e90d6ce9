/**
 * The suite-wide secrets scan (log-secrets.setup.ts) catches what it is meant to catch, and the
 * redaction layer keeps configured secrets out of log lines even when a caller passes them in.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/config/index.js';
import { captureLogs, getLogger } from '../../src/log/index.js';
import { assertNoSecrets, findSecrets, registerSecret, takeLeaks } from '../helpers/secrets.js';

const log = getLogger('recotem.test.secrets');

describe('the log scan', () => {
  it('records a registered secret that reaches a log line, naming the secret and the event', () => {
    // 36 characters: short of the 43-character base64url run the redactor scrubs by shape.
    const canary = registerSecret(`canary-${randomBytes(16).toString('base64url').slice(0, 29)}`, 'scan canary');
    const logs = captureLogs();
    try {
      log.info('innocent_looking_event', { note: `value=${canary}` });
    } finally {
      logs.stop();
    }
    expect(takeLeaks()).toEqual([{ label: 'scan canary', event: 'innocent_looking_event' }]);
    expect(findSecrets(`x${canary}y`)).toEqual(['scan canary']);
    expect(() => assertNoSecrets(`stderr: ${canary}`, 'child stderr')).toThrow(
      'child stderr contains secret value(s): scan canary',
    );
  });

  it('sees nothing when secrets are passed under sensitive names or in scrubbed shapes', () => {
    const apiKey = registerSecret(randomBytes(32).toString('base64url'), 'api key plaintext');
    const digest = registerSecret(hashApiKey(apiKey), 'api key digest');
    const signing = registerSecret(randomBytes(32).toString('hex'), 'signing key hex');
    const logs = captureLogs();
    try {
      log.warn('careless_caller', {
        api_key: apiKey,
        'x-api-key': apiKey,
        authorization: `Bearer ${apiKey}`,
        detail: `digest ${digest} key ${signing}`,
        nested: { list: [apiKey, { note: signing }] },
        err: new Error(`failed with ${signing}`),
      });
      expect(logs.records).toHaveLength(1);
    } finally {
      logs.stop();
    }
    expect(takeLeaks()).toEqual([]);
  });

  it('refuses to register values too short to scan for without false alarms', () => {
    expect(() => registerSecret('short', 'tiny')).toThrow(/at least 24/);
  });
});
