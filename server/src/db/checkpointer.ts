import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { log } from '../common/logger.js';

/**
 * SQLite WAL checkpoints on a thread of their own. better-sqlite3 is synchronous: a checkpoint run by
 * the server's connection (SQLite does one every 1,000 pages by default) copies the log into the
 * database and fsyncs it on the event loop, stalling every request and live update for 80–140 ms
 * each time under load (measured). Here a PASSIVE checkpoint from another connection, every 5 s, neither
 * waits for nor blocks the writer; hot counter pages are copied once per interval. The server's own
 * automatic checkpoint stays, at a higher mark, as the safety net should this thread ever stop.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 100');
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage({ stopped: true });
});
`;

/** Pages of log after which the server's own connection checkpoints (SQLite's default is 1,000). */
export const SAFETY_CHECKPOINT_PAGES = 20_000;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(file: string, intervalMs = 5000): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, intervalMs, driver } });
  let lastError = '';
  worker.on('message', (m: { error?: string }) => {
    // Busy now and then is normal (a reader or the safety checkpoint); say each new problem once.
    if (m.error && m.error !== lastError) log.warn('WAL checkpoint failed; retrying at the next interval', { error: m.error });
    lastError = m.error ?? '';
  });
  worker.on('error', (err) => log.error('WAL checkpoint thread stopped; the server checkpoints itself from now on', { error: err.message }));
  worker.unref();
  return {
    stop: () =>
      new Promise<void>((done) => {
        const timer = setTimeout(() => void worker.terminate().then(() => done()), 5000);
        worker.on('message', (m: { stopped?: boolean }) => {
          if (!m.stopped) return;
          clearTimeout(timer);
          void worker.terminate().then(() => done());
        });
        worker.on('exit', () => {
          clearTimeout(timer);
          done();
        });
        worker.postMessage('stop');
      }),
  };
}
