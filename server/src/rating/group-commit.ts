import { DeadlockException, LockWaitTimeoutException } from '@mikro-orm/core';
import type { App } from '../app.js';
import { ConflictError } from '../common/errors.js';
import type { Em } from '../db/orm.js';
import { deferOn } from '../db/deferred.js';
import { sqlOf, type Sql } from '../db/sql.js';
import { countKeyString, mergeDeltas, tagKeyString, type CountDelta, type TagDelta } from '../stats/rollup.logic.js';
import { applyRollupDeltas } from '../stats/rollup.store.js';

/** Counter changes a unit of work made; applied once per group, merged with the others'. */
export interface Counted { counts: CountDelta[]; tags: TagDelta[] }

/**
 * `tx` is a fresh entity manager on the group's transaction; `sql` runs plain statements on it. The
 * work may run more than once (the whole group is retried after a deadlock), so it must do nothing
 * but database work until it returns.
 */
type Work<T> = (tx: Em, sql: Sql) => Promise<{ value: T; counted: Counted }>;
interface Job { work: Work<unknown>; resolve(value: unknown): void; reject(error: unknown): void }
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const MAX_GROUP = 200;
/** Groups in flight at once: SQLite has one connection; PostgreSQL keeps some of its pool for readers. */
const GROUPS_IN_FLIGHT = { sqlite: 1, postgresql: 4 } as const;
const GROUP_ATTEMPTS = 3;

/**
 * Group commit: ratings (and service registrations) that arrive together share one transaction,
 * each inside its own savepoint (a refused one rolls back alone). One commit (one fsync) and one
 * merged counter upsert serve the whole group; every caller hears back only after the commit, so
 * an acknowledged rating is durable.
 *
 * On SQLite the groups run one after another, so no two writers ever wait on each other's lock. On
 * PostgreSQL a few run side by side (each statement is a round trip, so one group at a time would
 * leave the database idle); their counter upserts take row locks in one global order (see applyRollupDeltas), and a group
 * that still meets a deadlock (in the rarer per-rating writes) is rolled back and run again whole.
 */
export class GroupCommit {
  private readonly queue: Job[] = [];
  private running = 0;
  private scheduled = false;

  constructor(private readonly app: App, private readonly inFlight = GROUPS_IN_FLIGHT[app.dialect]) {}

  run<T>(work: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /**
   * Starts groups on the next turn of the event loop, not now: with better-sqlite3 a whole transaction
   * runs in microtasks and never yields, so starting at once would commit every rating alone before
   * the requests already waiting on their sockets could join the group.
   */
  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.running >= this.inFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      // What waits is shared out among the free slots: on PostgreSQL each group runs its statements
      // one after another, so four groups of twelve finish sooner than one of fifty.
      const size = Math.min(MAX_GROUP, Math.ceil(this.queue.length / (this.inFlight - this.running)));
      while (this.queue.length > 0 && this.running < this.inFlight) {
        this.running += 1;
        void this.commitGroup(this.queue.splice(0, size)).finally(() => {
          this.running -= 1;
          this.schedule();
        });
      }
    });
  }

  private async commitGroup(jobs: Job[]): Promise<void> {
    let outcomes: Outcome[] = [];
    for (let attempt = 1; ; attempt++) {
      try {
        outcomes = await this.attempt(jobs);
        break;
      } catch (error) {
        // SQLite: a lock wait already blocked the event loop for busy_timeout; do not wait again.
        if (isTransient(error) && this.app.dialect === 'postgresql' && attempt < GROUP_ATTEMPTS) continue;
        const reported = isTransient(error)
          ? new ConflictError('the database was busy with other writes; nothing was stored, send this again')
          : error;
        for (const job of jobs) job.reject(reported);
        return;
      }
    }
    jobs.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }

  private async attempt(jobs: Job[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    await (this.app.orm.em.fork() as Em).transactional(async (t) => {
      const tx = t as Em;
      const sql = await sqlOf(tx);
      const deferred = deferOn(tx);
      const counts: CountDelta[] = [];
      const tags: TagDelta[] = [];
      for (const job of jobs) {
        await sql.run('savepoint rating_job');
        const mark = deferred.mark();
        try {
          // A fresh identity map for each job: an earlier one in the group may have claimed the
          // same service through plain SQL, which cached entities would not show.
          const done = await job.work(tx.fork({ clear: true, keepTransactionContext: true }) as Em, sql);
          await sql.run('release savepoint rating_job');
          counts.push(...done.counted.counts);
          tags.push(...done.counted.tags);
          outcomes.push({ ok: true, value: done.value });
        } catch (error) {
          if (isTransient(error)) throw error;
          deferred.rollback(mark);
          await sql.run('rollback to savepoint rating_job');
          await sql.run('release savepoint rating_job');
          outcomes.push({ ok: false, error });
        }
      }
      await applyRollupDeltas(tx, [...mergeDeltas(counts, countKeyString).values()], [...mergeDeltas(tags, tagKeyString).values()]);
      await deferred.flush(tx);
    });
    return outcomes;
  }
}

/** Errors that say nothing about the work itself: running the group again can succeed. */
function isTransient(error: unknown): boolean {
  return error instanceof DeadlockException || error instanceof LockWaitTimeoutException;
}

const committers = new WeakMap<App, GroupCommit>();

export function groupCommit(app: App): GroupCommit {
  let committer = committers.get(app);
  if (!committer) committers.set(app, (committer = new GroupCommit(app)));
  return committer;
}
