import { DriverException } from '@mikro-orm/core';
import { UnavailableError } from '../common/errors.js';
import { isTransientDbError, mapDatabaseError } from './errors.js';
import type { Dialect, Em, Orm } from './orm.js';
import { deferOn } from './deferred.js';
import { foldTransaction } from './pg-fold.js';
import { sqlOf, type Sql } from './sql.js';

/**
 * One unit of work in a group. `tx` is a fresh entity manager on the group's transaction; `sql` runs
 * plain statements on it. `deltas` are counter changes the group applies once, merged with the other
 * jobs' (the rollup step is given to the group commit by the composition root). The work may run more
 * than once (the whole group is retried after a deadlock), so it must do nothing but database work.
 */
export type GroupWork<T, D> = (tx: Em, sql: Sql) => Promise<{ value: T; deltas?: D }>;

/**
 * Jobs of one kind written together: called once per group with the inputs of every job that names the
 * same batch, at the start of the group's transaction. Answers per input: its result, its refusal (when
 * nothing was written for it), or null to run that job's own work alone after the batch. Throwing (a
 * constraint, a claim lost, anything unforeseen) rolls the transaction back and runs the whole group
 * again job by job, each in its own savepoint, so every job still gets its own exact answer.
 */
export type GroupBatch<I, T, D> = (tx: Em, sql: Sql, inputs: readonly I[]) => Promise<Array<BatchItem<T, D> | null>>;
export type BatchItem<T, D> = { value: T; deltas?: D } | { error: unknown };

/** A job's part in a batch: which batch, and its own input to it. */
export interface Batched<I, T, D> {
  batch: GroupBatch<I, T, D>;
  input: I;
}

/** What a feature needs to join a group; features that make no counter changes use `GroupRunner`. */
export interface GroupRunner<D = never> {
  /** `batched`: the job can also be written together with others of its kind (`work` stays its exact path alone). */
  run<T, I = never>(work: GroupWork<T, D>, batched?: Batched<I, T, D>): Promise<T>;
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
  /** Jobs written by a batch on the happy path; groups whose batch failed and ran again job by job. */
  readonly batchedJobs: number;
  readonly batchFallbacks: number;
}

interface Job<D> {
  work: GroupWork<unknown, D>;
  batched?: Batched<unknown, unknown, D>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A batch threw: the group's transaction is rolled back and run again without batches. */
class BatchFailed extends Error {
  constructor(readonly reason: unknown) {
    super('batch failed');
  }
}

const MAX_GROUP = 200;
/** Groups in flight at once: SQLite has one connection; PostgreSQL keeps some of its pool for readers. */
const GROUPS_IN_FLIGHT = { sqlite: 1, postgresql: 2 } as const;
const GROUP_ATTEMPTS = 3;
/** Turns of the event loop between a group's first job and its start (see schedule). */
const TURNS_BEFORE_GROUP = 2;

function afterTurns(turns: number, run: () => void): void {
  setImmediate(turns <= 1 ? run : () => afterTurns(turns - 1, run));
}

/**
 * Group commit: ratings (and service registrations) that arrive together share one transaction.
 * Jobs that name a batch (first ratings) are written first, together, by that batch (a handful of
 * statements for the whole group); the others, and whatever a batch leaves to them, run each inside its
 * own savepoint (a refused one rolls back alone). A batch that throws rolls the transaction back and the
 * group runs again without batches. One commit (one fsync) and one merged counter upsert serve the
 * whole group; every caller hears back only after the commit, so an acknowledged rating is durable.
 *
 * On SQLite the groups run one after another, so no two writers ever wait on each other's lock. On
 * PostgreSQL two run side by side by default (each statement is a round trip, so one group at a time
 * would leave the database idle; four made groups half as large and cost the database 30% more CPU per
 * rating, measured); their counter upserts take row locks in one global order (see applyRollupDeltas), and a group
 * that still meets a deadlock (in the rarer per-rating writes) is rolled back and run again whole.
 */
export class GroupCommit<D> implements GroupRunner<D> {
  private readonly queue: Job<D>[] = [];
  private running = 0;
  private scheduled = false;
  private closed = false;
  private idle: Array<() => void> = [];
  private readonly counters = { groups: 0, jobs: 0, largestGroup: 0, busyMs: 0, batchedJobs: 0, batchFallbacks: 0 };
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

  run<T, I = never>(work: GroupWork<T, D>, batched?: Batched<I, T, D>): Promise<T> {
    if (this.closed) return Promise.reject(new UnavailableError('the server is shutting down; nothing was stored, send this again'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, batched: batched as Batched<unknown, unknown, D> | undefined, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Refuses new work and waits for the groups already queued or running to commit. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.running === 0 && this.queue.length === 0) return;
    await new Promise<void>((done) => this.idle.push(done));
  }

  /**
   * Starts groups two turns of the event loop later, not now: with better-sqlite3 a whole transaction
   * runs in microtasks and never yields, so starting at once would commit every rating alone before
   * the requests already waiting on their sockets could join the group. The second turn: a request's
   * last steps before it joins (its body's end, the GraphQL pipeline's awaits) can land a turn after
   * the poll that read it. Waiting that one more turn (microseconds on an idle server) grew groups at
   * 50 connections from 25 to 46 ratings on SQLite, for 17% less CPU per rating (bench/README.md).
   */
  private schedule(): void {
    if (this.running === 0 && this.queue.length === 0) this.idle.splice(0).forEach((done) => done());
    if (this.scheduled || this.queue.length === 0 || this.running >= this.inFlight) return;
    this.scheduled = true;
    afterTurns(TURNS_BEFORE_GROUP, () => {
      this.scheduled = false;
      // What waits is shared out among the free slots: on PostgreSQL each group runs its statements
      // one after another, so two groups of 25 finish sooner than one of 50.
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
    let batched = 0;
    let batching = jobs.some((job) => job.batched);
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        ({ outcomes, batched } = await this.attempt(jobs, batching));
        this.counters.busyMs += performance.now() - started;
        this.counters.batchedJobs += batched;
        break;
      } catch (error) {
        this.counters.busyMs += performance.now() - started;
        if (error instanceof BatchFailed) {
          // Not counted as an attempt: the same group again, each job in its own savepoint.
          this.counters.batchFallbacks += 1;
          batching = false;
          attempt -= 1;
          continue;
        }
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

  private async attempt(jobs: Job<D>[], batching: boolean): Promise<{ outcomes: Outcome[]; batched: number }> {
    const outcomes: Outcome[] = new Array<Outcome>(jobs.length);
    let batched = 0;
    await this.transaction(async (t) => {
      const tx = t as Em;
      const sql = await sqlOf(tx);
      // Writes nobody reads back (the batch's outbox rows, the group's counter upserts of every rollup
      // table) are kept and sent together as one statement before the commit (or before the next other
      // statement): on PostgreSQL one round trip instead of three to five.
      sql.holdWrites();
      const deferred = deferOn(tx);
      const deltas: D[] = [];
      let alone = jobs.map((_, i) => i);
      if (batching) {
        // The batches run first, at the start of the transaction: rolling the transaction back is
        // rolling back to just before them (no savepoint, no round trip on the happy path).
        alone = [];
        const batches = new Map<GroupBatch<unknown, unknown, D>, number[]>();
        jobs.forEach((job, i) => {
          if (!job.batched) {
            alone.push(i);
            return;
          }
          const members = batches.get(job.batched.batch);
          if (members) members.push(i);
          else batches.set(job.batched.batch, [i]);
        });
        for (const [batch, members] of batches) {
          let items: Array<BatchItem<unknown, D> | null>;
          try {
            items = await batch(
              tx.fork({ clear: true, keepTransactionContext: true }) as Em,
              sql,
              members.map((i) => jobs[i]!.batched!.input),
            );
          } catch (error) {
            if (isTransientDbError(error)) throw error;
            throw new BatchFailed(error);
          }
          members.forEach((i, k) => {
            const item = items[k];
            if (!item) alone.push(i);
            else if ('error' in item) outcomes[i] = { ok: false, error: item.error };
            else {
              batched += 1;
              if (item.deltas !== undefined) deltas.push(item.deltas);
              outcomes[i] = { ok: true, value: item.value };
            }
          });
        }
        alone.sort((a, b) => a - b);
      }
      // The savepoint `rating_job` marks the state before the current job. After a job that succeeded
      // it is moved past it (release and set again: one round trip on PostgreSQL); after one that was
      // rolled back to it, it already marks the right state. The last job's is released by the commit.
      let savepoint: 'none' | 'before' | 'behind' = 'none';
      for (const i of alone) {
        const job = jobs[i]!;
        if (savepoint === 'none') await sql.run('savepoint rating_job');
        else if (savepoint === 'behind') await sql.script('release savepoint rating_job; savepoint rating_job');
        savepoint = 'behind';
        const mark = deferred.mark();
        try {
          // A fresh identity map for each job: an earlier one in the group may have claimed the
          // same service through plain SQL, which cached entities would not show.
          const done = await job.work(tx.fork({ clear: true, keepTransactionContext: true }) as Em, sql);
          if (done.deltas !== undefined) deltas.push(done.deltas);
          outcomes[i] = { ok: true, value: done.value };
        } catch (error) {
          if (isTransientDbError(error)) throw error;
          deferred.rollback(mark);
          await sql.run('rollback to savepoint rating_job');
          savepoint = 'before';
          outcomes[i] = { ok: false, error };
        }
      }
      await this.applyDeltas(tx, deltas);
      await deferred.flush(tx);
      // The transaction's last statement: on PostgreSQL it goes with the COMMIT (db/pg-fold.ts).
      await sql.flushWrites({ last: true });
    });
    return { outcomes, batched };
  }

  /**
   * The group's transaction. On PostgreSQL its BEGIN goes with its first statement and its last write
   * with its COMMIT (db/pg-fold.ts): 2 round trips fewer per group. A failed COMMIT reaches here as pg's
   * own error (the ORM converts its statements' errors, not the commit's): converted alike, so a
   * deadlock met by the last write is still one (the group runs again).
   */
  private async transaction(work: (tx: Em) => Promise<void>): Promise<void> {
    const run = () => (this.orm.em.fork() as Em).transactional((t) => work(t as Em));
    try {
      await (this.dialect === 'postgresql' ? foldTransaction(run) : run());
    } catch (error) {
      const raw =
        !(error instanceof DriverException) && error instanceof Error && 'severity' in error && typeof (error as { code?: unknown }).code === 'string';
      throw raw ? this.orm.em.getDriver().convertException(error) : error;
    }
  }
}
