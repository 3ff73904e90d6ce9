/**
 * The watcher loop: sleep the interval with ±10 % jitter, rescan the
 * recipes directory, poll the artifacts. A failing cycle is counted; five in a row mark every
 * recipe "watcher unhealthy" (models keep serving) until a cycle succeeds again.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { errorClassName, errorMessage, isFatalRuntimeError } from '../../errors/index.js';
import { getLogger } from '../../log/index.js';
import { ArtifactPoller } from './poll.js';
import { RecipesDirScanner } from './scan.js';
import type { RecipeSupervisor } from './supervisor.js';

const log = getLogger('recotem.serve.watcher');
const UNHEALTHY_AFTER = 5;
const UNHEALTHY_TEXT = 'watcher unhealthy';

export class ArtifactWatcher {
  private readonly scanner: RecipesDirScanner;
  private readonly poller: ArtifactPoller;
  private readonly stop = new AbortController();
  private loop: Promise<void> | null = null;
  private consecutiveErrors = 0;
  private unhealthy = false;

  constructor(
    private readonly sup: RecipeSupervisor,
    private readonly intervalSeconds: number,
  ) {
    this.scanner = new RecipesDirScanner(sup);
    this.poller = new ArtifactPoller(sup, Math.min(30, Math.max(1, intervalSeconds)));
  }

  /** Seed the YAML cache from the startup load (start() does this; tests that drive cycles call it). */
  async prepare(): Promise<void> {
    await this.scanner.prime();
  }

  async start(): Promise<void> {
    if (this.loop !== null) return;
    await this.prepare();
    log.info('artifact_watcher_started', { interval: this.intervalSeconds });
    this.loop = this.run();
  }

  /** One scan + poll, as the loop runs it (tests drive cycles directly). */
  async cycle(): Promise<void> {
    await this.scanner.scan();
    await this.poller.poll(this.stop.signal);
  }

  private async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      const jitter = 1 + (Math.random() * 0.2 - 0.1);
      try {
        await delay(Math.max(100, this.intervalSeconds * 1000 * jitter), undefined, { signal: this.stop.signal });
      } catch {
        break;
      }
      try {
        await this.cycle();
        this.recovered();
      } catch (err) {
        if (isFatalRuntimeError(err)) throw err;
        this.failed(err);
      }
    }
    log.info('artifact_watcher_stopped', {});
  }

  private recovered(): void {
    this.consecutiveErrors = 0;
    if (!this.unhealthy) return;
    this.unhealthy = false;
    log.info('artifact_watcher_recovery', {});
    for (const entry of this.sup.registry.list()) {
      if (entry.lastLoadError === UNHEALTHY_TEXT) this.sup.registry.setLoadError(entry.name, null);
    }
  }

  private failed(err: unknown): void {
    this.consecutiveErrors++;
    this.sup.metrics.watcherUnhandled.inc();
    log.error('artifact_watcher_unhandled_error', {
      consecutive_errors: this.consecutiveErrors,
      threshold: UNHEALTHY_AFTER,
      exc_type: errorClassName(err),
      error: errorMessage(err),
    });
    if (this.consecutiveErrors >= UNHEALTHY_AFTER && !this.unhealthy) {
      this.unhealthy = true;
      log.error('artifact_watcher_unhealthy', { consecutive_errors: this.consecutiveErrors });
      for (const name of this.sup.registry.names()) this.sup.registry.setLoadError(name, UNHEALTHY_TEXT);
    }
  }

  /** Stop and wait for the loop, at most `timeoutSeconds`. */
  async close(timeoutSeconds: number): Promise<void> {
    this.stop.abort();
    if (this.loop === null) return;
    const finished = await Promise.race([this.loop.then(() => true), delay(timeoutSeconds * 1000, false)]);
    if (!finished) log.warn('artifact_watcher_join_timeout', { timeout: timeoutSeconds });
  }
}
