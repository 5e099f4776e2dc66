import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../common/config.js';
import type { Logger } from '../common/logger.js';

/**
 * Several server processes on one machine (WORKERS=N): a node:cluster primary forks N workers that
 * share the port (the primary hands connections out in turn). Each worker is a whole server: its own
 * database pool, live hub and WebSocket clients. Live figures stay exact across workers because
 * every worker's change events go through Redis (common/redis-bridge.ts), as between servers on
 * several machines; the figures themselves are always read from the database.
 *
 * - Needs PostgreSQL and Redis: SQLite has one writer (a second process waits on its lock and the
 *   group commit loses its point), and without Redis a worker would never hear of the others' ratings.
 * - Worker 1 starts alone first (migrations, tag dictionary, demo data run once), the others after it listens.
 * - Worker 1 alone runs the timed jobs (defaults R11, overdue rectification R16, fraud R18, SMS
 *   invitations R5, retention, bulletins); a restarted worker 1 takes them up again. Every worker
 *   delivers the outbox: records are claimed with a lease (FOR UPDATE SKIP LOCKED), so never twice.
 * - A worker that dies is started again, after a pause that doubles while it keeps dying (up to 30 s).
 * - SIGTERM (or SIGINT) to the primary is passed to every worker, which drains and stops; the primary
 *   exits when they all have.
 */

/** Environment variable telling a worker its number (1…N); a restarted worker keeps the number. */
export const WORKER_INDEX_ENV = 'HCP_WORKER_INDEX';

const RESTART_FIRST_MS = 500;
const RESTART_MAX_MS = 30_000;
/** A worker that ran this long before dying is restarted after the first, short pause again. */
const STABLE_MS = 60_000;
/** A worker still running this long after SIGTERM is killed. */
const STOP_GRACE_MS = 30_000;

/** Why this configuration cannot run several processes (empty when it can, or when WORKERS=1). */
export function clusterProblems(config: Pick<Config, 'workers' | 'databaseUrl' | 'redisUrl'>): string[] {
  if (config.workers <= 1) return [];
  const problems: string[] = [];
  if (!config.databaseUrl) {
    problems.push(
      'WORKERS > 1 needs PostgreSQL (DATABASE_URL): SQLite allows one writer process, so the workers would queue on its lock; run one process on SQLite',
    );
  }
  if (!config.redisUrl) {
    problems.push("WORKERS > 1 needs Redis (REDIS_URL): it carries each worker's change events to the others, so every live figure stays exact");
  }
  return problems;
}

/** The worker's number (1…N) in a cluster, or null in a single process. */
export function workerIndex(env: NodeJS.ProcessEnv = process.env): number | null {
  if (!cluster.isWorker) return null;
  const n = Number(env[WORKER_INDEX_ENV]);
  return Number.isInteger(n) && n >= 1 ? n : null;
}

interface Slot {
  index: number;
  worker: Worker | null;
  startedAt: number;
  listening: boolean;
  /** Deaths in a row, each within STABLE_MS of its start: sets the pause before the next start. */
  failures: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Runs the primary: forks the workers, restarts those that die, forwards SIGTERM/SIGINT. Resolves once
 * worker 1 listens; rejects when worker 1 dies before it ever listened (a configuration or database
 * problem that restarting would only repeat).
 */
export function runPrimary(config: Config, logger: Logger): Promise<void> {
  const problems = clusterProblems(config);
  if (problems.length) return Promise.reject(new Error(`refusing to start ${config.workers} workers:\n${problems.map((p) => `  - ${p}`).join('\n')}`));
  const slots: Slot[] = Array.from({ length: config.workers }, (_, i) => ({
    index: i + 1,
    worker: null,
    startedAt: 0,
    listening: false,
    failures: 0,
    timer: null,
  }));
  let stopping = false;
  let firstListened = false;

  return new Promise<void>((resolve, reject) => {
    const fork = (slot: Slot) => {
      slot.timer = null;
      if (stopping) return;
      slot.startedAt = Date.now();
      slot.listening = false;
      const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(slot.index) });
      slot.worker = worker;
      worker.once('listening', (address) => {
        slot.listening = true;
        logger.info('worker listening', { worker: slot.index, pid: worker.process.pid, port: address.port });
        if (slot.index === 1 && !firstListened) {
          firstListened = true;
          // The others only after worker 1 migrated the database and wrote the tag dictionary.
          slots.slice(1).forEach(fork);
          resolve();
        }
      });
      worker.once('exit', (code, signal) => {
        if (slot.worker !== worker) return;
        slot.worker = null;
        if (stopping) return;
        if (slot.index === 1 && !firstListened) {
          stopping = true;
          reject(new Error(`worker 1 stopped before it listened (exit code ${code ?? signal}); see its log above`));
          return;
        }
        const lived = Date.now() - slot.startedAt;
        slot.failures = lived >= STABLE_MS ? 1 : slot.failures + 1;
        const pause = Math.min(RESTART_MAX_MS, RESTART_FIRST_MS * 2 ** (slot.failures - 1));
        logger.warn('worker died; starting it again', { worker: slot.index, pid: worker.process.pid, code, signal, livedMs: lived, restartInMs: pause });
        slot.timer = setTimeout(() => fork(slot), pause);
      });
    };

    const stop = (signal: NodeJS.Signals) => {
      if (stopping && slots.every((s) => !s.worker)) process.exit(0);
      stopping = true;
      logger.info('stopping the workers', { signal });
      for (const slot of slots) {
        if (slot.timer) clearTimeout(slot.timer);
        slot.worker?.process.kill('SIGTERM');
      }
      const force = setTimeout(() => {
        for (const slot of slots) slot.worker?.process.kill('SIGKILL');
      }, STOP_GRACE_MS).unref();
      const check = () => {
        if (slots.some((s) => s.worker)) return;
        clearTimeout(force);
        logger.info('all workers stopped');
        process.exit(0);
      };
      cluster.on('exit', check);
      check();
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));

    fork(slots[0]!);
  });
}
