import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../lib/logger.ts';

/**
 * `subspace web` with `WEB_CONCURRENCY` > 1, as Puma's cluster mode: this (primary) process forks that
 * many workers, each a whole web role, which share the port (node:cluster hands connections round).
 * A worker that dies after it listened is replaced; one that dies before means the role cannot start,
 * so the whole process stops. SIGTERM/SIGINT stop every worker gracefully (each finishes its requests).
 */
export function runWebCluster(workers: number, log: Logger): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    let exitCode = 0;
    const listened = new WeakSet<Worker>();
    const living = () => Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => !!worker);
    const stopAll = (signal: NodeJS.Signals) => {
      for (const worker of living()) worker.process.kill(signal);
    };
    const stop = (signal: NodeJS.Signals, code = 0) => {
      if (stopping) return;
      stopping = true;
      exitCode = code;
      log.info(`${signal} received, stopping ${living().length} web workers`);
      stopAll('SIGTERM');
    };
    cluster.on('listening', (worker) => {
      if (listened.has(worker)) return;
      listened.add(worker);
      log.info(`web worker ${worker.id} (pid ${worker.process.pid}) is listening`);
    });
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) {
        if (living().length === 0) resolve(exitCode);
        return;
      }
      if (!listened.has(worker)) {
        log.error(`web worker ${worker.id} exited (${signal ?? code}) before it listened: stopping`);
        stop('SIGTERM', 1);
        if (living().length === 0) resolve(1);
        return;
      }
      log.warn(`web worker ${worker.id} exited (${signal ?? code}): starting another`);
      cluster.fork();
    });
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    log.info(`starting ${workers} web workers (WEB_CONCURRENCY)`);
    for (let index = 0; index < workers; index++) cluster.fork();
  });
}
