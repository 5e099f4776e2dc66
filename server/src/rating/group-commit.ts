import { TransactionPropagation } from '@mikro-orm/core';
import type { App } from '../app.js';
import type { Em } from '../db/orm.js';
import { countKeyString, mergeDeltas, tagKeyString, type CountDelta, type TagDelta } from '../stats/rollup.logic.js';
import { applyRollupDeltas } from '../stats/rollup.store.js';

/** Counter changes a unit of work made; applied once per group, merged with the others'. */
export interface Counted { counts: CountDelta[]; tags: TagDelta[] }

type Work<T> = (tx: Em) => Promise<{ value: T; counted: Counted }>;
interface Job { work: Work<unknown>; resolve(value: unknown): void; reject(error: unknown): void }

/**
 * Group commit: ratings that arrive while a transaction is running wait and then share the next one,
 * each inside its own savepoint (a refused rating rolls back alone). One commit (one fsync) and one
 * merged counter upsert serve the whole group; every caller hears back only after the commit, so
 * an acknowledged rating is durable.
 */
export class GroupCommit {
  private readonly queue: Job[] = [];
  private draining = false;

  constructor(private readonly app: App, private readonly maxGroup = 200) {}

  run<T>(work: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) await this.commitGroup(this.queue.splice(0, this.maxGroup));
    } finally {
      this.draining = false;
    }
  }

  private async commitGroup(jobs: Job[]): Promise<void> {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await (this.app.orm.em.fork() as Em).transactional(async (tx) => {
        const counts: CountDelta[] = [];
        const tags: TagDelta[] = [];
        for (const job of jobs) {
          try {
            const done = await tx.transactional((sp) => job.work(sp as Em), { propagation: TransactionPropagation.NESTED });
            counts.push(...done.counted.counts);
            tags.push(...done.counted.tags);
            outcomes.push({ ok: true, value: done.value });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
        await applyRollupDeltas(tx as Em, [...mergeDeltas(counts, countKeyString).values()], [...mergeDeltas(tags, tagKeyString).values()]);
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
