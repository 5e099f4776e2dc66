/**
 * An async iterator holding at most one value: a consumer that falls behind gets the newest value,
 * never a backlog. `return()` ends it and runs the cleanup (graphql-ws calls it on complete/close).
 */
export class LatestValueIterator<T> implements AsyncIterableIterator<T> {
  private slot: { value: T } | null = null;
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  private finished = false;
  private cleanup: (() => void) | null = null;

  onReturn(cleanup: () => void): void {
    if (this.finished) cleanup();
    else this.cleanup = cleanup;
  }

  push(value: T): void {
    if (this.finished) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w({ value, done: false });
    } else this.slot = { value };
  }

  next(): Promise<IteratorResult<T>> {
    if (this.slot) {
      const { value } = this.slot;
      this.slot = null;
      return Promise.resolve({ value, done: false });
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.finished) {
      this.finished = true;
      this.slot = null;
      this.waiter?.({ value: undefined, done: true });
      this.waiter = null;
      const cleanup = this.cleanup;
      this.cleanup = null;
      cleanup?.();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err?: unknown): Promise<IteratorResult<T>> {
    void this.return();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
