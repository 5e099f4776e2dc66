import cluster from 'node:cluster';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './common/config.js';
import { log } from './common/logger.js';
import { runPrimary, workerIndex } from './app/cluster.js';
import { startServer } from './app/server.js';

/**
 * The process entry (`npm start`): starts one server and stops it once on SIGINT/SIGTERM; with
 * WORKERS=N > 1 it is the cluster primary instead, which forks N such servers on the same port (app/cluster.ts).
 */
const isEntry = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) {
  const started = Date.now();
  const fail = (err: unknown) => {
    log.error('failed to start', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  };
  let workers = 1;
  try {
    workers = loadConfig().workers;
  } catch (err) {
    fail(err);
  }
  if (cluster.isPrimary && workers > 1) {
    runPrimary(loadConfig(), log).then(() => log.info(`haochaping primary: worker 1 listens, starting the other ${workers - 1}`, { pid: process.pid }), fail);
  } else {
    const index = workerIndex();
    // In a cluster only worker 1 runs the timed jobs; every worker delivers the outbox (leased records).
    startServer(index === null ? {} : { scheduleJobs: index === 1, outboxWorker: true })
      .then((running) => {
        log.info(`haochaping listening on ${running.url} (GraphQL at /graphql, big screen at /screen)`, {
          database: running.app.dialect,
          startupMs: Date.now() - started,
          ...(index === null ? {} : { worker: index, pid: process.pid }),
        });
        // Ctrl-C under `npm start` reaches the server twice (from the terminal and from npm): stop once.
        let stopping: Promise<void> | null = null;
        const stop = () => {
          stopping ??= running.close().then(
            () => process.exit(0),
            (err: unknown) => {
              log.error('error while stopping', { error: err instanceof Error ? err.message : String(err) });
              process.exit(1);
            },
          );
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      })
      .catch(fail);
  }
}
