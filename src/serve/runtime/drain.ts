/**
 * Graceful shutdown: on SIGTERM/SIGINT stop accepting connections,
 * close idle keep-alive sockets, let in-flight requests finish for up to RECOTEM_DRAIN_SECONDS,
 * then cut what is left, stop the watcher and the scoring threads, and exit 0. A second signal
 * cuts the remaining connections at once.
 */
import type { FastifyInstance } from 'fastify';
import { getLogger } from '../../log/index.js';

const log = getLogger('recotem.serve');

export class DrainController {
  private inFlight = 0;
  private draining = false;
  private idle: (() => void) | null = null;
  private resolveFinished!: (code: number) => void;
  readonly finished: Promise<number>;
  private readonly handlers = new Map<NodeJS.Signals, () => void>();

  constructor(
    private readonly app: FastifyInstance,
    private readonly drainSeconds: number,
  ) {
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
    app.addHook('onRequest', (_request, reply, next) => {
      this.inFlight++;
      // Keep-alive clients learn not to send more on this socket once draining started.
      if (this.draining) reply.header('connection', 'close');
      next();
    });
    app.addHook('onResponse', (_request, _reply, next) => {
      this.done();
      next();
    });
    app.addHook('onRequestAbort', (_request, next) => {
      this.done();
      next();
    });
  }

  private done(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) this.idle?.();
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  install(): void {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const handler = () => this.onSignal(signal);
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  private uninstall(): void {
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    this.handlers.clear();
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (this.draining) {
      log.warn('serve_drain_forced', { signal, in_flight: this.inFlight });
      this.app.server.closeAllConnections();
      return;
    }
    void this.drain(signal);
  }

  /** Stop accepting, wait for in-flight requests (bounded), release everything. */
  async drain(signal: NodeJS.Signals | 'manual' = 'manual'): Promise<number> {
    if (this.draining) return this.finished;
    this.draining = true;
    log.info('serve_drain_started', { signal, in_flight: this.inFlight, drain_seconds: this.drainSeconds });
    const server = this.app.server;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const quiet = new Promise<boolean>((resolve) => {
      if (this.inFlight === 0) return resolve(true);
      this.idle = () => resolve(true);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.drainSeconds * 1000);
    });
    const drained = await Promise.race([quiet, timeout]);
    clearTimeout(timer);
    if (!drained) log.warn('serve_drain_timeout', { in_flight: this.inFlight, drain_seconds: this.drainSeconds });
    server.closeAllConnections();
    await closed;
    // Runs the onClose hooks: watcher stop (bounded) and scoring threads.
    await this.app.close();
    this.uninstall();
    log.info('serve_shutdown', { drain_seconds: this.drainSeconds, drained });
    if (signal === 'SIGINT') log.info('serve_terminated', { reason: 'SIGINT' });
    this.resolveFinished(0);
    return 0;
  }
}
