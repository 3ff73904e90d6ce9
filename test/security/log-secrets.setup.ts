/**
 * Suite-wide secrets scan: every log record at info level
 * or above, in every test file, is checked for the values registered in test/helpers/secrets.ts.
 * A hit fails the test during which the record was emitted (or the file, for records logged in
 * hooks). Debug records are only scanned by tests that capture them: listening at debug here would
 * change what `isLevelEnabled('debug')` reports to the code under test.
 */
import { afterAll, afterEach } from 'vitest';
import { onLogRecord } from '../../src/log/index.js';
import { findSecrets, recordLeak, type SecretLeak, takeLeaks } from '../helpers/secrets.js';

onLogRecord(
  (record, json) => {
    for (const label of findSecrets(json)) recordLeak({ label, event: String(record.event) });
  },
  { level: 'info' },
);

function failOnLeaks(leaks: SecretLeak[]): void {
  if (leaks.length === 0) return;
  const list = leaks.map((l) => `${l.label} in event '${l.event}'`).join('; ');
  throw new Error(`secret value logged: ${list}`);
}

afterEach(() => failOnLeaks(takeLeaks()));
afterAll(() => failOnLeaks(takeLeaks()));
