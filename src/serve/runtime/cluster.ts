/**
 * Process-per-core serving (RECOTEM_SERVE_WORKERS=cluster[:N]): the primary forks N copies of the
 * command, which share the listening socket; each holds every model and runs its own watcher,
 * like independent replicas. The primary forwards SIGTERM/SIGINT, restarts a worker that dies
 * while serving, and exits with 8 when a worker cannot bind.
 */
import cluster, { type Worker } from 'node:cluster';
import { getLogger } from '../../log/index.js';

const log = getLogger('recotem.serve');

/** 'worker' in a forked process (serve normally); the exit code in the primary. */
export async function runCluster(processes: number): Promise<number | 'worker'> {
  if (cluster.isWorker) return 'worker';
  let stopping = false;
  let exitCode = 0;
  const workers = new Set<Worker>();
  const fork = (): void => {
    const worker = cluster.fork();
    workers.add(worker);
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      if (code === 8) {
        exitCode = 8;
        stopAll('SIGTERM');
      } else if (!stopping) {
        log.error('serve_worker_died', { pid: worker.process.pid, code, signal });
        fork();
      } else if (code !== 0 && code !== null && exitCode === 0) {
        exitCode = code;
      }
      if (workers.size === 0 && stopping) done(exitCode);
    });
  };
  const stopAll = (signal: NodeJS.Signals): void => {
    stopping = true;
    for (const w of workers) w.process.kill(signal);
  };
  let done!: (code: number) => void;
  const finished = new Promise<number>((resolve) => {
    done = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => () => {
    log.info('serve_cluster_stopping', { signal, workers: workers.size });
    stopAll(signal);
  };
  const term = onSignal('SIGTERM');
  const int = onSignal('SIGINT');
  process.on('SIGTERM', term);
  process.on('SIGINT', int);
  log.info('serve_cluster_started', { processes });
  for (let i = 0; i < processes; i++) fork();
  const code = await finished;
  process.off('SIGTERM', term);
  process.off('SIGINT', int);
  return code;
}
