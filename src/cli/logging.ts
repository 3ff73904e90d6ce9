/** Logging set-up shared by every command except keygen. */
import { parseLogFormatLenient } from '../config/index.js';
import { configureLogging } from '../log/index.js';
import type { CliIo } from './io.js';

/**
 * Configures structured logging from RECOTEM_LOG_FORMAT. Best effort: configureLogging never
 * throws, and an unknown format means `auto` here (serve rejects it later, as a config error).
 */
export function configureCliLogging(io: CliIo): void {
  configureLogging({ format: parseLogFormatLenient(io.env.RECOTEM_LOG_FORMAT), stream: io.logStream });
}
