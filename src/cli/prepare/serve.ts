/**
 * `recotem serve` gating — logging, the companion flag, env config,
 * CLI overrides, unsafe-flag gates, forced loopback, key ring and the `security.posture` line.
 */
import { resolve } from 'node:path';
import {
  COMPANION_FLAG_MESSAGE,
  devAllowUnsignedRefusal,
  insecureNoAuthRefusal,
  loadServeConfig,
  logSecurityPosture,
  parsePort,
  resolveBindHost,
  resolveServeKeyRing,
  type ServeConfig,
} from '../../config/index.js';
import { ConfigError, ExitCode } from '../../errors/index.js';
import { FailurePrefix, reportFailure } from '../exit.js';
import type { ServeFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { configureCliLogging } from '../logging.js';
import type { ServeCommandOptions } from '../options.js';

function configFailure(io: CliIo, err: unknown): number {
  return reportFailure(io, err instanceof ConfigError ? FailurePrefix.CONFIG : FailurePrefix.SERVER_STARTUP, err);
}

/** Returns the options for the serve body, or the exit code when a step refused. */
export function prepareServe(flags: ServeFlags, io: CliIo): ServeCommandOptions | number {
  // 1. Logging.
  configureCliLogging(io);
  const devAllowUnsigned = flags.devAllowUnsigned === true;
  const insecureNoAuth = flags.insecureNoAuth === true;
  // 2. Companion flag, before anything else is read.
  if (devAllowUnsigned && flags.iUnderstandThisLoadsArbitraryCode !== true) {
    io.stderr(COMPANION_FLAG_MESSAGE);
    return ExitCode.CONFIG;
  }
  // 3–4. Environment, then CLI overrides.
  let envConfig: ServeConfig;
  let port: number;
  try {
    envConfig = loadServeConfig(io.env);
    port = flags.port === undefined ? envConfig.port : parsePort(String(flags.port), '--port');
  } catch (err) {
    return configFailure(io, err);
  }
  const requestedHost = flags.host?.trim() || envConfig.host;
  const apiKeys = insecureNoAuth ? [] : envConfig.apiKeys;
  const authEnabled = apiKeys.length > 0;
  // 5. Unsafe flags against RECOTEM_ENV (reported after the posture line).
  const refusal =
    (insecureNoAuth ? insecureNoAuthRefusal(io.env) : null) ??
    (devAllowUnsigned ? devAllowUnsignedRefusal(io.env) : null);
  // 6. Forced loopback.
  const bindHost = resolveBindHost(requestedHost, { apiKeysConfigured: authEnabled, insecureNoAuth });
  // 7. Key ring; the posture line is emitted whatever happens next.
  const keyRing = resolveServeKeyRing({ devAllowUnsigned, env: io.env });
  logSecurityPosture({
    authEnabled,
    bindHost,
    keyRing,
    env: envConfig.env,
    allowedHosts: envConfig.allowedHosts,
    allowedOrigins: envConfig.allowedOrigins,
    insecureNoAuth,
    devAllowUnsigned,
  });
  if (refusal) return configFailure(io, new ConfigError(refusal));
  if (keyRing.error || !keyRing.ring || keyRing.status === 'missing' || keyRing.status === 'construction_failed') {
    return configFailure(io, keyRing.error ?? new ConfigError('signing key ring unavailable'));
  }
  return {
    recipesDir: resolve(flags.recipes),
    config: { ...envConfig, apiKeys, host: bindHost, port, console: flags.console ?? envConfig.console },
    requestedHost,
    authEnabled,
    insecureNoAuth,
    devAllowUnsigned,
    keyRing: keyRing.ring,
    signingKeyStatus: keyRing.status,
    env: io.env,
  };
}
