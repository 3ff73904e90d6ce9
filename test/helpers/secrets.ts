/**
 * Registry of secret values used by tests (signing-key hex, API-key plaintexts and digests), and
 * the leak record of the suite-wide log scan (test/security/log-secrets.setup.ts). A test that
 * configures a secret registers it, so any log line that carries it fails the test that logged it.
 *
 * Only values that can never be legitimate log content belong here: a constant that doubles as a
 * model version or recipe hash elsewhere (such as `'ab'.repeat(32)`) would raise false alarms.
 * This module imports nothing, so the setup file stays cheap and never touches `node:crypto`
 * (some test files count calls into it).
 */

const secrets = new Map<string, string>();

/** A leak seen by the log scan: which secret, in which event. */
export interface SecretLeak {
  label: string;
  event: string;
}

const leaks: SecretLeak[] = [];

/** Shorter values match too much ordinary text; every real secret is far longer. */
const MIN_SECRET_CHARS = 24;

/** Adds `value` to the scanned secrets and returns it, so tests can register inline. */
export function registerSecret(value: string, label: string): string {
  if (value.length < MIN_SECRET_CHARS) {
    throw new Error(`secret '${label}' is ${value.length} characters; the scan needs at least ${MIN_SECRET_CHARS}`);
  }
  secrets.set(value, label);
  return value;
}

/** Labels of every registered secret that occurs in `text`. */
export function findSecrets(text: string): string[] {
  const found: string[] = [];
  for (const [value, label] of secrets) if (text.includes(value)) found.push(label);
  return found;
}

/** Throws when `text` (e.g. a child process's stderr) contains a registered secret. */
export function assertNoSecrets(text: string, where: string): void {
  const found = findSecrets(text);
  if (found.length > 0) throw new Error(`${where} contains secret value(s): ${found.join(', ')}`);
}

export function recordLeak(leak: SecretLeak): void {
  leaks.push(leak);
}

/** Returns and clears the leaks recorded since the last call. */
export function takeLeaks(): SecretLeak[] {
  return leaks.splice(0);
}

// Fixed secrets of the shared test helpers: the second signing key of test/helpers/artifacts.ts
// and the API keys of test/serve/helpers/app.ts with their scrypt digests (computed once, here
// as constants so that no hashing happens at setup time).
registerSecret('cd'.repeat(32), 'artifacts.OTHER_KEY_RING key');
registerSecret('k'.repeat(40), 'serve helpers API_KEY');
registerSecret('f659cf98ad6806ec674a2e49a84c2301f62f1b00be3838d6758d5991dc521381', 'serve helpers API_KEY digest');
registerSecret('second-key-'.padEnd(43, 'x'), 'serve helpers API_KEY_2');
registerSecret('17400faa43f1d27e8c80be0eb8fc36233995bc4efe82b5d4d6b7ec1044176d7e', 'serve helpers API_KEY_2 digest');
