import type { App } from '../app.js';
import type { Em } from '../db/orm.js';
import { sqlOf, type Sql } from '../db/sql.js';
import { countKeyString, mergeDeltas, tagKeyString, type CountDelta, type TagDelta } from '../stats/rollup.logic.js';
import { applyRollupDeltas } from '../stats/rollup.store.js';

/** Counter changes a unit of work made; applied once per group, merged with the others'. */
export interface Counted { counts: CountDelta[]; tags: TagDelta[] }

/** `tx` is a fresh entity manager on the group's transaction; `sql` runs plain statements on it. */
type Work<T> = (tx: Em, sql: Sql) => Promise<{ value: T; counted: Counted }>;
interface Job { work: Work<unknown>; resolve(value: unknown): void; reject(error: unknown): void }

/**
 * Group commit: ratings (and service registrations) that arrive together share one transaction,
 * each inside its own savepoint (a refused one rolls back alone). One commit (one fsync) and one
 * merged counter upsert serve the whole group; every caller hears back only after the commit, so
 * an acknowledged rating is durable. Groups run one after another, so on SQLite no two writers
 * ever wait on each other's lock.
 */
export class GroupCommit {
  private readonly queue: Job[] = [];
  private draining = false;

  constructor(private readonly app: App, private readonly maxGroup = 200) {}

  run<T>(work: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (this.draining) return;
      this.draining = true;
      // Start on the next turn of the event loop, not now: with better-sqlite3 a whole transaction
      // runs in microtasks and never yields, so starting at once would commit every rating alone
      // before the requests already waiting on their sockets could join the group.
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.commitGroup(this.queue.splice(0, this.maxGroup));
    } finally {
      this.draining = false;
    }
  }

  private async commitGroup(jobs: Job[]): Promise<void> {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await (this.app.orm.em.fork() as Em).transactional(async (t) => {
        const tx = t as Em;
        const sql = await sqlOf(tx);
        const counts: CountDelta[] = [];
        const tags: TagDelta[] = [];
        for (const job of jobs) {
          await sql.run('savepoint rating_job');
          try {
            // A fresh identity map for each rating: an earlier one in the group may have claimed the
            // same service through plain SQL, which cached entities would not show.
            const done = await job.work(tx.fork({ clear: true, keepTransactionContext: true }) as Em, sql);
            await sql.run('release savepoint rating_job');
            counts.push(...done.counted.counts);
            tags.push(...done.counted.tags);
            outcomes.push({ ok: true, value: done.value });
          } catch (error) {
            await sql.run('rollback to savepoint rating_job');
            await sql.run('release savepoint rating_job');
            outcomes.push({ ok: false, error });
          }
        }
        await applyRollupDeltas(tx, [...mergeDeltas(counts, countKeyString).values()], [...mergeDeltas(tags, tagKeyString).values()]);
      });
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    jobs.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }
}

const committers = new WeakMap<App, GroupCommit>();

export function groupCommit(app: App): GroupCommit {
  let committer = committers.get(app);
  if (!committer) committers.set(app, (committer = new GroupCommit(app)));
  return committer;
}
