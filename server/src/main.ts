import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from './common/logger.js';
import { startServer } from './app/server.js';

/** The process entry (`npm start`): starts one server and stops it once on SIGINT/SIGTERM. */
const isEntry = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) {
  const started = Date.now();
  startServer()
    .then((running) => {
      log.info(`haochaping listening on ${running.url} (GraphQL at /graphql, big screen at /screen)`, {
        database: running.app.dialect,
        startupMs: Date.now() - started,
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
    .catch((err) => {
      log.error('failed to start', { error: err instanceof Error ? err.stack : String(err) });
      process.exit(1);
    });
}
