/**
 * `recotem inspect`: read, HMAC-verify and print an artifact's
 * header without decoding the payload, so it is safe to run on untrusted files.
 */
import {
  devAllowUnsignedRefusal,
  devKeyRing,
  type Env,
  type KeyRing,
  loadServeConfig,
  parseSigningKeyRing,
} from '../config/index.js';
import { ExitCode, errorClassName, errorMessage, exitCodeFor, isFatalRuntimeError } from '../errors/index.js';
import { getLogger, safeKid } from '../log/index.js';
import { type ParsedContainer, parseContainer } from './container.js';
import { parseHeaderJson } from './header.js';
import { verifyContainer } from './hmac.js';
import { readArtifactBytes, StoreReadError } from './read.js';
import { type StoreChoice, StoreUnavailableError } from './store.js';
import { repairCollapsedScheme } from './uri.js';

const log = getLogger('recotem.cli.inspect');

export interface InspectOptions {
  /** Local path or URI, taken as given (only a collapsed `scheme:/x` is repaired). */
  artifact: string;
  devAllowUnsigned: boolean;
}

export interface InspectIo extends StoreChoice {
  env?: Env;
  /** Receives whole lines without the trailing newline. */
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  /**
   * Caps already read from a validated serve configuration (the CLI does steps 1–2 itself);
   * when absent they are loaded here from `env`.
   */
  caps?: { maxArtifactBytes: number; maxPayloadBytes: number };
}

function isOsError(err: unknown): boolean {
  const e = err as { code?: unknown; syscall?: unknown } | null;
  return e !== null && typeof e === 'object' && typeof e.code === 'string' && typeof e.syscall === 'string';
}

/** The stderr line for a failed read. */
function readFailureLine(uri: string, err: unknown): string {
  if (err instanceof StoreUnavailableError) {
    return `Cannot open artifact '${uri}': missing optional dependency (${err.scheme}:// storage backend). Hint: ${err.hint}`;
  }
  if (err instanceof StoreReadError) {
    const cause = err.cause;
    if (isOsError(cause)) return `Cannot read artifact '${uri}': ${errorMessage(cause)}`;
    return `Cannot open artifact '${uri}' (${errorClassName(cause)}): ${errorMessage(cause)}`;
  }
  return `Cannot read artifact '${uri}': ${errorMessage(err)}`;
}

function missingKeysLines(kid: string): string[] {
  return [
    `Cannot verify artifact (kid='${kid}'): RECOTEM_SIGNING_KEYS is not set and --dev-allow-unsigned was not passed.`,
    `  Hint: set RECOTEM_SIGNING_KEYS to the key ring the artifact was signed with (it must contain kid '${kid}').`,
    '  Hint: for an artifact trained with --dev-allow-unsigned, pass --dev-allow-unsigned with RECOTEM_ENV=development.',
  ];
}

type Step<T> = { ok: true; value: T } | { ok: false; code: number };

/**
 * Runs the inspect steps in the contractual order and returns the exit code. Results go to
 * `stdout`, failures to `stderr`; nothing throws except fatal runtime errors.
 */
export async function inspectArtifact(opts: InspectOptions, io: InspectIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const out = io.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = io.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const fail = (line: string, code: number): number => {
    err(line);
    return code;
  };
  const attempt = <T>(fn: () => T, prefix: string): Step<T> => {
    try {
      return { ok: true, value: fn() };
    } catch (e) {
      if (isFatalRuntimeError(e)) throw e;
      return { ok: false, code: fail(`${prefix}: ${errorMessage(e)}`, exitCodeFor(e)) };
    }
  };

  // 1. Dev-flag gate, before any I/O.
  if (opts.devAllowUnsigned) {
    const refusal = devAllowUnsignedRefusal(env);
    if (refusal) return fail(refusal, ExitCode.CONFIG);
  }
  // 2. Caps from the whole serve configuration; an invalid configuration is a config error.
  let caps = io.caps;
  if (!caps) {
    const config = attempt(() => loadServeConfig(env), 'Invalid serve configuration');
    if (!config.ok) return ExitCode.CONFIG;
    caps = config.value;
  }
  const { maxArtifactBytes, maxPayloadBytes } = caps;

  // 3-5. Bounded read with pointer resolution, then the structural parse.
  const uri = repairCollapsedScheme(opts.artifact);
  let bytes: Buffer;
  try {
    bytes = (
      await readArtifactBytes(uri, { artifactCap: maxArtifactBytes, store: io.store, remoteStores: io.remoteStores })
    ).bytes;
  } catch (e) {
    if (isFatalRuntimeError(e)) throw e;
    return fail(readFailureLine(uri, e), ExitCode.ARTIFACT);
  }
  const parsed = attempt<ParsedContainer>(
    () => parseContainer(bytes, { payloadCap: maxPayloadBytes }),
    'Artifact parse failed',
  );
  if (!parsed.ok) return parsed.code;
  const container = parsed.value;
  const shownKid = safeKid(container.kid);

  // 6. Key source.
  const rawKeys = env.RECOTEM_SIGNING_KEYS?.trim() ?? '';
  let keyRing: Step<KeyRing>;
  if (rawKeys.length > 0) {
    if (opts.devAllowUnsigned) {
      log.warn('dev_allow_unsigned_ignored', { reason: 'RECOTEM_SIGNING_KEYS is set; verifying with it' });
    }
    keyRing = attempt(() => parseSigningKeyRing(rawKeys), 'HMAC verification failed');
  } else if (opts.devAllowUnsigned) {
    keyRing = { ok: true, value: devKeyRing() };
  } else {
    for (const line of missingKeysLines(shownKid)) err(line);
    return ExitCode.CONFIG;
  }
  if (!keyRing.ok) return keyRing.code;

  // 7. HMAC before the header JSON is interpreted.
  const ring = keyRing.value;
  const verified = attempt(() => verifyContainer(container, ring), 'HMAC verification failed');
  if (!verified.ok) return verified.code;
  out(`HMAC: OK  (kid='${shownKid}')`);

  // 8-9. Header JSON, pretty-printed.
  const header = attempt(() => parseHeaderJson(container.headerBytes), 'Header JSON parse failed');
  if (!header.ok) return header.code;
  out(JSON.stringify(header.value, null, 2));
  return ExitCode.OK;
}
