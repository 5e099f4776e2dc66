import type { Em } from './orm.js';

type Writer<T> = (em: Em, rows: T[]) => Promise<void>;
interface Buffer {
  rows: unknown[];
  write: Writer<unknown>;
}

/**
 * Counter writes that a group commit makes once, at its end, for the jobs that succeeded. Hot counter
 * rows (the city total, a district) are locked by every writer; written per job they would be locked
 * in whatever order the jobs come, and two PostgreSQL groups side by side could deadlock on them.
 */
export class Deferrals {
  private readonly buffers = new Map<string, Buffer>();

  add<T>(name: string, rows: T[], write: Writer<T>): void {
    let buffer = this.buffers.get(name);
    if (!buffer) this.buffers.set(name, (buffer = { rows: [], write: write as Writer<unknown> }));
    buffer.rows.push(...rows);
  }

  /** Where each buffer stands, to take back what a failed job added. */
  mark(): Map<string, number> {
    return new Map([...this.buffers].map(([name, b]) => [name, b.rows.length]));
  }

  rollback(mark: Map<string, number>): void {
    for (const [name, buffer] of this.buffers) buffer.rows.length = mark.get(name) ?? 0;
  }

  /** Writes every buffer, in name order (the writers sort their rows). */
  async flush(em: Em): Promise<void> {
    for (const name of [...this.buffers.keys()].sort()) {
      const buffer = this.buffers.get(name)!;
      if (buffer.rows.length) await buffer.write(em, buffer.rows);
    }
    this.buffers.clear();
  }
}

const byTransaction = new WeakMap<object, Deferrals>();

/** Starts deferring the counter writes made on `em`'s transaction (and on forks that keep it). */
export function deferOn(em: Em): Deferrals {
  const deferrals = new Deferrals();
  byTransaction.set(em.getTransactionContext() as object, deferrals);
  return deferrals;
}

/** The deferrals of `em`'s transaction, if a group commit runs it; otherwise write at once. */
export function deferralsOf(em: Em): Deferrals | undefined {
  const trx = em.getTransactionContext();
  return trx ? byTransaction.get(trx as object) : undefined;
}
