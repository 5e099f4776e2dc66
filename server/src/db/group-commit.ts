import { UnavailableError } from '../common/errors.js';
import { isTransientDbError, mapDatabaseError } from './errors.js';
import type { Dialect, Em, Orm } from './orm.js';
import { deferOn } from './deferred.js';
import { sqlOf, type Sql } from './sql.js';

/**
 * One unit of work in a group. `tx` is a fresh entity manager on the group's transaction; `sql` runs
 * plain statements on it. `deltas` are counter changes the group applies once, merged with the other
 * jobs' (the rollup step is given to the group commit by the composition root). The work may run more
 * than once (the whole group is retried after a deadlock), so it must do nothing but database work.
 */
export type GroupWork<T, D> = (tx: Em, sql: Sql) => Promise<{ value: T; deltas?: D }>;

/** What a feature needs to join a group; features that make no counter changes use `GroupRunner`. */
export interface GroupRunner<D = never> {
  run<T>(work: GroupWork<T, D>): Promise<T>;
}

/** Applies the deltas of the jobs that succeeded, inside the group's transaction, before it commits. */
export type ApplyDeltas<D> = (tx: Em, deltas: D[]) => Promise<void>;

/** Cumulative counts since start, read by the benchmarks and the metrics. */
export interface GroupCommitStats {
  readonly groups: number;
  readonly jobs: number;
  readonly largestGroup: number;
  /** Milliseconds spent in groups, from the start of their transaction to its commit (retries included). */
  readonly busyMs: number;
}

interface Job<D> {
  work: GroupWork<unknown, D>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}
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
export class GroupCommit<D> implements GroupRunner<D> {
  private readonly queue: Job<D>[] = [];
  private running = 0;
  private scheduled = false;
  private closed = false;
  private idle: Array<() => void> = [];
  private readonly counters = { groups: 0, jobs: 0, largestGroup: 0, busyMs: 0 };
  private readonly inFlight: number;

  constructor(
    private readonly orm: Orm,
    private readonly dialect: Dialect,
    private readonly applyDeltas: ApplyDeltas<D>,
    inFlight?: number,
  ) {
    this.inFlight = inFlight ?? GROUPS_IN_FLIGHT[dialect];
  }

  get stats(): GroupCommitStats {
    return { ...this.counters };
  }

  run<T>(work: GroupWork<T, D>): Promise<T> {
    if (this.closed) return Promise.reject(new UnavailableError('the server is shutting down; nothing was stored, send this again'));
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
  /** Refuses new work and waits for the groups already queued or running to commit. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.running === 0 && this.queue.length === 0) return;
    await new Promise<void>((done) => this.idle.push(done));
  }

  private schedule(): void {
    if (this.running === 0 && this.queue.length === 0) this.idle.splice(0).forEach((done) => done());
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

  private async commitGroup(jobs: Job<D>[]): Promise<void> {
    this.counters.groups += 1;
    this.counters.jobs += jobs.length;
    this.counters.largestGroup = Math.max(this.counters.largestGroup, jobs.length);
    let outcomes: Outcome[] = [];
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        outcomes = await this.attempt(jobs);
        this.counters.busyMs += performance.now() - started;
        break;
      } catch (error) {
        this.counters.busyMs += performance.now() - started;
        // SQLite: a lock wait already blocked the event loop for busy_timeout; do not wait again.
        if (isTransientDbError(error) && this.dialect === 'postgresql' && attempt < GROUP_ATTEMPTS) continue;
        const reported = isTransientDbError(error) ? mapDatabaseError(error) : error;
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

  private async attempt(jobs: Job<D>[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    await (this.orm.em.fork() as Em).transactional(async (t) => {
      const tx = t as Em;
      const sql = await sqlOf(tx);
      const deferred = deferOn(tx);
      const deltas: D[] = [];
      // The savepoint `rating_job` marks the state before the current job. After a job that succeeded
      // it is moved past it (release and set again: one round trip on PostgreSQL); after one that was
      // rolled back to it, it already marks the right state. The last job's is released by the commit.
      let savepoint: 'none' | 'before' | 'behind' = 'none';
      for (const job of jobs) {
        if (savepoint === 'none') await sql.run('savepoint rating_job');
        else if (savepoint === 'behind') await sql.script('release savepoint rating_job; savepoint rating_job');
        savepoint = 'behind';
        const mark = deferred.mark();
        try {
          // A fresh identity map for each job: an earlier one in the group may have claimed the
          // same service through plain SQL, which cached entities would not show.
          const done = await job.work(tx.fork({ clear: true, keepTransactionContext: true }) as Em, sql);
          if (done.deltas !== undefined) deltas.push(done.deltas);
          outcomes.push({ ok: true, value: done.value });
        } catch (error) {
          if (isTransientDbError(error)) throw error;
          deferred.rollback(mark);
          await sql.run('rollback to savepoint rating_job');
          savepoint = 'before';
          outcomes.push({ ok: false, error });
        }
      }
      await this.applyDeltas(tx, deltas);
      await deferred.flush(tx);
    });
    return outcomes;
  }
}
