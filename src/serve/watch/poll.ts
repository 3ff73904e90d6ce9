/**
 * Artifact polling: stat every watched artifact path (at most 16 in
 * flight, each wait bounded), reload on a changed marker, keep the old model on any failure.
 * Fixes from the spec's Improve notes: a failed artifact is not re-read until its marker changes;
 * restoring the loaded bytes clears the stale error; an absent artifact counts once, not per cycle.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { localPathOf, type RemoteStoreFactory } from '../../artifact/index.js';
import { openRegularFile } from '../../config/index.js';
import { getLogger } from '../../log/index.js';
import { sanitizeLoadError } from '../loading/errors.js';
import type { LoadResult } from '../loading/load.js';
import type { RecipeWatch, StatResult } from './state.js';
import { statMarker } from './state.js';
import { promisePool, type RecipeSupervisor } from './supervisor.js';

const log = getLogger('recotem.serve.watcher');
const STAT_CONCURRENCY = 16;
const DESERIALIZE_STREAK_ALERT = 3;

/** A stat that does not settle within `timeoutMs` resolves to null (it is abandoned, not awaited). */
async function statWithTimeout(
  uri: string,
  timeoutMs: number,
  signal: AbortSignal,
  remoteStores: RemoteStoreFactory | undefined,
): Promise<StatResult | null> {
  const timer = new AbortController();
  const onAbort = () => timer.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([
      statMarker(uri, remoteStores),
      delay(timeoutMs, null, { signal: timer.signal }).catch(() => null),
    ]);
  } finally {
    timer.abort();
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * The `.sha256` sidecar fast path, reduced to what matters: an
 * absent sidecar is ignored; a changed one triggers a load (which still skips identical bytes).
 */
/** A sidecar holds one digest line: read a regular file only, and at most this many bytes. */
const SIDECAR_MAX_BYTES = 256;

async function readSidecar(path: string): Promise<string> {
  const fh = await openRegularFile(path);
  try {
    const buf = Buffer.alloc(SIDECAR_MAX_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SIDECAR_MAX_BYTES, 0);
    return buf.subarray(0, bytesRead).toString('utf8').trim();
  } finally {
    await fh.close();
  }
}

export async function sidecarChanged(watch: RecipeWatch): Promise<boolean> {
  const path = localPathOf(watch.target.artifactPath);
  if (path === undefined) return false;
  let content: string | null;
  try {
    content = await readSidecar(`${path}.sha256`);
  } catch {
    content = null;
  }
  const before = watch.sidecar;
  watch.sidecar = content;
  return content !== null && before !== undefined && content !== before;
}

export class ArtifactPoller {
  constructor(
    private readonly sup: RecipeSupervisor,
    private readonly timeoutSeconds: number,
  ) {}

  async poll(signal: AbortSignal): Promise<void> {
    const watches = [...this.sup.watches.values()];
    await promisePool(watches, STAT_CONCURRENCY, async (watch) => {
      if (signal.aborted) return;
      const timeoutMs = this.timeoutSeconds * 1000;
      const stat = await statWithTimeout(watch.target.artifactPath, timeoutMs, signal, this.sup.deps.remoteStores);
      if (signal.aborted || this.sup.watches.get(watch.target.name) !== watch) return;
      await this.decide(watch, stat);
    });
  }

  private setArtifactError(watch: RecipeWatch, text: string): void {
    watch.artifactError =
      this.sup.registry.setLoadError(watch.target.name, sanitizeLoadError(text)) || watch.artifactError;
  }

  private clearArtifactError(watch: RecipeWatch): void {
    if (!watch.artifactError) return;
    this.sup.registry.setLoadError(watch.target.name, null);
    watch.artifactError = false;
  }

  private async decide(watch: RecipeWatch, stat: StatResult | null): Promise<void> {
    const { sup } = this;
    const name = watch.target.name;
    if (stat === null) {
      log.warn('artifact_stat_timeout', { recipe_name: name, timeout: this.timeoutSeconds });
      sup.metrics.dirScanFailures.inc({ error_class: 'stat_timeout' });
      sup.metrics.recordLoadFailure(name, 'timeout');
      sup.metrics.swaps.inc({ recipe: name, result: 'error' });
      this.setArtifactError(watch, `stat timeout after ${this.timeoutSeconds}s`);
      return;
    }
    if (stat.kind === 'absent') {
      if (!watch.absentReported) {
        watch.absentReported = true;
        if (!watch.artifactError) log.warn('artifact_disappeared', { recipe: name });
        sup.metrics.recordLoadFailure(name, 'read');
      }
      this.setArtifactError(watch, 'artifact missing or unreadable');
      watch.marker = null;
      return;
    }
    watch.absentReported = false;
    if (stat.kind === 'error') {
      sup.metrics.statFailures.inc({ recipe: name });
      if (!watch.statErrorClasses.has(stat.errorClass)) {
        watch.statErrorClasses.add(stat.errorClass);
        log.warn('artifact_stat_failed', {
          recipe: name,
          error_class: stat.errorClass,
          error: sanitizeLoadError(stat.message),
        });
        sup.metrics.recordLoadFailure(name, 'read');
      } else {
        log.debug('artifact_stat_failed_repeated', { recipe: name, error_class: stat.errorClass });
      }
      this.setArtifactError(watch, `stat failed: ${stat.errorClass}`);
      return;
    }
    watch.statErrorClasses.clear();
    if (stat.marker === watch.marker && !watch.forceReload) {
      // Unchanged and already loaded: a previous absent/stat error is over.
      if (watch.loadedSha !== null) this.clearArtifactError(watch);
      // External tooling may announce a new artifact through `<path>.sha256`.
      if (!(await sidecarChanged(watch))) return;
      log.info('sidecar_changed_reload', { recipe: name });
    }
    if (stat.marker === watch.failedMarker && !watch.forceReload) return;
    await this.reload(watch, stat.marker);
  }

  private async reload(watch: RecipeWatch, marker: string): Promise<void> {
    const { sup } = this;
    const name = watch.target.name;
    const skipIfSha = watch.forceReload ? null : watch.loadedSha;
    let result: LoadResult;
    try {
      ({ result } = await sup.loadWithMarker(watch, skipIfSha));
    } catch (err) {
      result = {
        kind: 'failed',
        reason: 'unexpected',
        error: sanitizeLoadError(`unexpected read error: ${String(err)}`),
        kid: null,
        kidFailure: null,
      };
    }
    if (sup.watches.get(name) !== watch) {
      // Removed (or replaced) while loading: the fresh model must not stay attached to the threads.
      if (result.kind === 'loaded') sup.deps.executor.detach(result.entry.modelKey);
      return;
    }
    if (result.kind === 'unchanged') {
      // Same bytes as the model being served (a touch, or a restore after a bad push).
      watch.marker = marker;
      watch.failedMarker = null;
      this.clearArtifactError(watch);
      return;
    }
    if (result.kind === 'loaded') {
      sup.installLoaded(watch, result.entry, marker);
      sup.metrics.swaps.inc({ recipe: name, result: 'ok' });
      sup.refreshActiveGauge();
      log.info('artifact_hot_swapped', { name, kid: result.entry.kid, trained_at: result.entry.header.trained_at });
      return;
    }
    if (result.kid === null && result.kidFailure !== null)
      log.warn('kid_extraction_failed', { recipe: name, reason: result.kidFailure });
    log.error('artifact_load_failed', {
      name,
      kid: result.kid ?? '<extract_failed>',
      error: result.error,
      reason: result.reason,
    });
    if (result.reason === 'read') log.error('artifact_read_failed', { name, error: result.error });
    if (result.reason === 'deserialize') {
      watch.deserializeStreak++;
      log.error('artifact_post_hmac_deserialize_failed', {
        name,
        kid: result.kid ?? '<extract_failed>',
        error: result.error,
      });
      if (watch.deserializeStreak >= DESERIALIZE_STREAK_ALERT) {
        log.error('artifact_repeated_post_hmac_failure', { name, count: watch.deserializeStreak });
      }
    } else {
      watch.deserializeStreak = 0;
    }
    if (result.reason === 'unexpected') log.warn('artifact_error_unclassified', { name });
    this.setArtifactError(watch, result.error);
    watch.failedMarker = marker;
    sup.metrics.recordLoadFailure(name, result.reason);
    sup.metrics.swaps.inc({ recipe: name, result: 'error' });
  }
}
