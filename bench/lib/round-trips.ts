/**
 * Counts the statements the server (running in this process) sends to PostgreSQL: every call of
 * `pg.Client#query` is one round trip (node-postgres sends one query at a time per connection).
 * Read before and after a run; the bench reports statements per rating.
 */
import pg from 'pg';

let count = 0;
let installed = false;
const byText = new Map<string, number>();

/** Starts counting (once per process); returns a reader of the total and of the commonest statements. */
export function countRoundTrips(): { total(): number; top(limit: number): Array<{ sql: string; n: number }>; reset(): void } {
  if (!installed) {
    installed = true;
    const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const original = proto.query;
    proto.query = function (this: unknown, ...args: unknown[]) {
      count += 1;
      const first = args[0] as string | { text?: string } | undefined;
      const text = (typeof first === 'string' ? first : (first?.text ?? '')).replace(/\s+/g, ' ').slice(0, 90);
      byText.set(text, (byText.get(text) ?? 0) + 1);
      return original.apply(this, args);
    };
  }
  return {
    total: () => count,
    top: (limit) =>
      [...byText]
        .sort((a, b) => b[1] - a[1])
        .slice(0, limit)
        .map(([sql, n]) => ({ sql, n })),
    reset: () => {
      count = 0;
      byText.clear();
    },
  };
}
