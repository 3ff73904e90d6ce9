/**
 * Progress of the hyper-parameter search: a live bar on a TTY, `trial_done`
 * events otherwise, nothing per trial with --quiet, and a summary event in every mode.
 */
import cliProgress from 'cli-progress';
import type { Logger } from '../log/index.js';

export interface FinishedTrial {
  number: number;
  state: 'COMPLETE' | 'PRUNED';
  score: number | null;
  algorithm: string;
  params: Record<string, unknown>;
  /** Wall seconds of the whole trial, and of its training and validation parts. */
  seconds?: number;
  fitSeconds?: number;
  validationSeconds?: number;
  epochs?: number;
}

function round3(x: number | undefined): number | undefined {
  return x === undefined ? undefined : Math.round(x * 1000) / 1000;
}

export interface ProgressOptions {
  total: number;
  quiet: boolean;
  verbose: boolean;
  /** Defaults to whether stderr is a TTY. */
  interactive?: boolean;
  log: Logger;
  context: { recipe: string; run_id: string };
  stream?: NodeJS.WritableStream;
}

export class SearchProgress {
  private readonly bar: cliProgress.SingleBar | null;
  private seen = 0;
  private best: number | null = null;
  private bestAlgorithm = '';

  constructor(private readonly opts: ProgressOptions) {
    const interactive = opts.interactive ?? Boolean(process.stderr.isTTY);
    this.bar =
      interactive && !opts.quiet
        ? new cliProgress.SingleBar(
            {
              format: `Tuning ${opts.context.recipe} |{bar}| {value}/{total} trials | best {best} | {algorithm} | ETA {eta_formatted}`,
              stream: opts.stream ?? process.stderr,
              hideCursor: true,
              clearOnComplete: false,
            },
            cliProgress.Presets.shades_classic,
          )
        : null;
    this.bar?.start(opts.total, 0, { best: '–', algorithm: '' });
  }

  trialFinished(t: FinishedTrial): void {
    this.seen++;
    if (t.score !== null && (this.best === null || t.score > this.best)) {
      this.best = t.score;
      this.bestAlgorithm = t.algorithm;
    }
    if (this.bar) {
      const label = t.score ? `${t.algorithm}  score=${t.score.toFixed(4)}` : t.algorithm;
      this.bar.increment(1, { best: this.best === null ? '–' : this.best.toFixed(4), algorithm: label });
      return;
    }
    if (this.opts.quiet) return;
    this.opts.log.info('trial_done', {
      ...this.opts.context,
      trial: t.number,
      score: t.score,
      algorithm: t.algorithm,
      ...(t.seconds !== undefined
        ? {
            seconds: round3(t.seconds),
            fit_seconds: round3(t.fitSeconds),
            validation_seconds: round3(t.validationSeconds),
            epochs: t.epochs,
          }
        : {}),
      ...(this.opts.verbose ? { params: t.params } : {}),
    });
  }

  finish(aborted: boolean): void {
    this.bar?.stop();
    if (aborted) {
      this.opts.log.warn('tuning_aborted', { ...this.opts.context, trials_done: this.seen, best_score: null });
      return;
    }
    this.opts.log.info('tuning_complete', {
      ...this.opts.context,
      n_completed: this.seen,
      best_score: this.best,
      best_algorithm: this.bestAlgorithm,
    });
  }
}
